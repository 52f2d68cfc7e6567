-- The database's write generation: every write transaction moves it before it commits
-- (`db::write_tx`), and every signed-in request reads it with its session. Figures kept
-- until the next write (`cache.rs`) are checked against it, so a write through another
-- instance, or a command on the same file, drops them on the next request everywhere.
CREATE TABLE write_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n BIGINT NOT NULL
);
INSERT INTO write_generation (id, n) VALUES (1, 0);
