ALTER TABLE rect_tables DROP COLUMN version;
ALTER TABLE unit_plans DROP COLUMN version;
ALTER TABLE campaigns DROP COLUMN months_version;
ALTER TABLE campaigns DROP COLUMN goals_version;
ALTER TABLE campaigns DROP COLUMN version;
ALTER TABLE users DROP COLUMN version;
ALTER TABLE units DROP COLUMN version;
