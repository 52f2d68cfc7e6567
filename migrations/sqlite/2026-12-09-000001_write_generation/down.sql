DROP TABLE write_generation;
