DROP SEQUENCE write_generation;
