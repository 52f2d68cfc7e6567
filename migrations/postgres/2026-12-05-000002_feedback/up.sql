-- Supervision channels 信、网、电、微 (issue 12; DESIGN.md F6): items sent through the public
-- form (网) or entered by the office (letter, phone, WeChat), triaged, assigned to a unit,
-- answered by it and closed by the office.
CREATE TABLE feedback_items (
    id SERIAL PRIMARY KEY,
    -- The tracking code given to the sender (查询码); unguessable.
    code TEXT NOT NULL UNIQUE,
    -- `FeedbackChannel` code.
    channel TEXT NOT NULL,
    -- `FeedbackCategory` code.
    category TEXT NOT NULL,
    content TEXT NOT NULL,
    -- The sender's name and phone, both optional.
    name TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    -- The unit concerned: named by the sender, or set when assigned.
    unit_id INTEGER REFERENCES units(id),
    -- `FeedbackState` code.
    state TEXT NOT NULL DEFAULT 'received',
    received_on DATE NOT NULL,
    -- The reply is due by this day (set on assignment).
    due_on DATE,
    triage_note TEXT NOT NULL DEFAULT '',
    assigned_at TIMESTAMP,
    assigned_by INTEGER REFERENCES users(id),
    reply TEXT NOT NULL DEFAULT '',
    replied_at TIMESTAMP,
    replied_by INTEGER REFERENCES users(id),
    close_note TEXT NOT NULL DEFAULT '',
    closed_at TIMESTAMP,
    closed_by INTEGER REFERENCES users(id),
    version INTEGER NOT NULL DEFAULT 1,
    -- NULL for an item sent through the public form.
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX feedback_items_state_idx ON feedback_items(state, received_on);
CREATE INDEX feedback_items_unit_idx ON feedback_items(unit_id);
