-- In-app notices (issue 10): a short message for one user with a link, shown on their home
-- page until they mark it read. The 催报 of a monthly report is the first sender; feedback
-- replies and assessments will use it too.
CREATE TABLE notices (
    id SERIAL PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    message TEXT NOT NULL,
    -- Where the notice leads (a path inside the portal), empty for none.
    link TEXT NOT NULL DEFAULT '',
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE INDEX notices_user_idx ON notices(user_id, read_at);

-- 催报: the office (or a general branch) urged a branch to submit its report of a month.
-- One row per branch, month and (Beijing) day: the key refuses a second urge on the same day.
CREATE TABLE report_reminders (
    id SERIAL PRIMARY KEY,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    reminded_on DATE NOT NULL,
    reminded_at TIMESTAMP NOT NULL,
    reminded_by INTEGER NOT NULL REFERENCES users(id),
    UNIQUE (unit_id, year, month, reminded_on)
);
