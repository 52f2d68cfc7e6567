ALTER TABLE campaigns DROP COLUMN hours_quota;
DROP TABLE brand_promotions;
DROP TABLE brand_events;
DROP TABLE brands;
DROP TABLE surveys;
DROP TABLE activity_attendance;
DROP TABLE activities;
DROP TABLE roster_people;
