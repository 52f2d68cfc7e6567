-- Optimistic locking for the office's and branches' edit forms (issue 8): every edit names the
-- version it was read at and is one `UPDATE … WHERE id = ? AND version = ?`.
ALTER TABLE units ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE campaigns ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
-- The goals and the monthly requirements are each saved as one form: one counter each.
ALTER TABLE campaigns ADD COLUMN goals_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE campaigns ADD COLUMN months_version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE unit_plans ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE rect_tables ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
