-- Monthly reports (月度调度) with their lines, 第一议题 records, the review trail shared by
-- both, and reminders already sent (so each is sent once).

CREATE TABLE monthly_reports (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    year INTEGER NOT NULL,
    month INTEGER NOT NULL,
    state TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    highlights TEXT NOT NULL DEFAULT '',
    problems TEXT NOT NULL DEFAULT '',
    next_plan TEXT NOT NULL DEFAULT '',
    due_date DATE NOT NULL,
    submitted_at TIMESTAMP,
    submitted_by INTEGER REFERENCES users(id),
    late BOOLEAN NOT NULL DEFAULT 0,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by INTEGER REFERENCES users(id),
    UNIQUE (unit_id, year, month)
);
CREATE INDEX monthly_reports_period_idx ON monthly_reports(year, month, state);
CREATE INDEX monthly_reports_state_idx ON monthly_reports(state, submitted_at);

CREATE TABLE report_lines (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    report_id INTEGER NOT NULL REFERENCES monthly_reports(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    ref_id INTEGER NOT NULL,
    title TEXT NOT NULL,
    seq INTEGER NOT NULL,
    progress INTEGER,
    work TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT ''
);
CREATE INDEX report_lines_report_idx ON report_lines(report_id, seq);

CREATE TABLE first_topics (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    meeting_date DATE NOT NULL,
    meeting_kind TEXT NOT NULL,
    topic TEXT NOT NULL,
    materials TEXT NOT NULL DEFAULT '',
    attendance INTEGER NOT NULL DEFAULT 0,
    absent INTEGER NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '',
    state TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    submitted_at TIMESTAMP,
    submitted_by INTEGER REFERENCES users(id),
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX first_topics_unit_idx ON first_topics(unit_id, meeting_date);
CREATE INDEX first_topics_state_idx ON first_topics(state);

CREATE TABLE review_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    action TEXT NOT NULL,
    from_state TEXT NOT NULL,
    to_state TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    comment TEXT NOT NULL DEFAULT '',
    at TIMESTAMP NOT NULL
);
CREATE INDEX review_events_entity_idx ON review_events(entity, entity_id);

CREATE TABLE reminders_sent (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    kind TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    period TEXT NOT NULL,
    channel TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    UNIQUE (kind, unit_id, period, channel)
);
