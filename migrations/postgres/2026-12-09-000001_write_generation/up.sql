-- The database's write generation: every write transaction takes the next value right after
-- it commits (`db::write_tx`), and every signed-in request reads the last one with its
-- session. Figures kept until the next write (`cache.rs`) are checked against it, so a write
-- through another instance drops them on the next request everywhere. A sequence, not a
-- row: `nextval` takes no lock, so concurrent writers do not queue behind one another.
CREATE SEQUENCE write_generation;
-- Called once, so the first write moves `last_value` (1 -> 2).
SELECT setval('write_generation', 1);
