-- The database's write generation: every write transaction moves it before it commits
-- (`db::write_tx`), and every signed-in request reads it with its session. Figures kept
-- until the next write (`cache.rs`) are checked against it, so a write through another
-- instance, or a command on the same file, drops them on the next request everywhere.
-- One row, read as `last_value` like PostgreSQL's sequence of the same name.
CREATE TABLE write_generation (
    last_value BIGINT NOT NULL
);
INSERT INTO write_generation (last_value) VALUES (1);
