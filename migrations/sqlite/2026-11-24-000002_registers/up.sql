-- Campaign set-up, practice measures, rectification tables (配档表), attachments,
-- field-level history, task force and supervision notes.

CREATE TABLE campaigns (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    year INTEGER NOT NULL UNIQUE,
    name TEXT NOT NULL,
    due_day INTEGER NOT NULL DEFAULT 25,
    yellow_days INTEGER NOT NULL DEFAULT 7,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE campaign_goals (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    style TEXT NOT NULL,
    seq INTEGER NOT NULL,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT ''
);
CREATE INDEX campaign_goals_campaign_idx ON campaign_goals(campaign_id);

CREATE TABLE campaign_months (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    month INTEGER NOT NULL,
    requirement TEXT NOT NULL,
    UNIQUE (campaign_id, month)
);

CREATE TABLE attachments (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    owner TEXT NOT NULL,
    owner_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    uploaded_by INTEGER REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL
);
CREATE INDEX attachments_owner_idx ON attachments(owner, owner_id);

CREATE TABLE unit_plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    content TEXT NOT NULL,
    updated_by INTEGER REFERENCES users(id),
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (campaign_id, unit_id)
);

CREATE TABLE measures (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    content TEXT NOT NULL DEFAULT '',
    category TEXT NOT NULL,
    carrier TEXT NOT NULL,
    lead_tag TEXT NOT NULL,
    indicator TEXT NOT NULL DEFAULT '',
    target_value DOUBLE PRECISION,
    target_unit TEXT NOT NULL DEFAULT '',
    owner TEXT NOT NULL,
    deadline DATE NOT NULL,
    status TEXT NOT NULL,
    progress INTEGER NOT NULL DEFAULT 0,
    closed_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX measures_campaign_unit_idx ON measures(campaign_id, unit_id);
CREATE INDEX measures_campaign_deadline_idx ON measures(campaign_id, deadline);
CREATE INDEX measures_campaign_status_idx ON measures(campaign_id, status);

CREATE TABLE measure_goals (
    measure_id INTEGER NOT NULL REFERENCES measures(id) ON DELETE CASCADE,
    goal_id INTEGER NOT NULL REFERENCES campaign_goals(id) ON DELETE CASCADE,
    PRIMARY KEY (measure_id, goal_id)
);
CREATE INDEX measure_goals_goal_idx ON measure_goals(goal_id);

CREATE TABLE rect_tables (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX rect_tables_campaign_unit_idx ON rect_tables(campaign_id, unit_id);

CREATE TABLE rect_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    table_id INTEGER NOT NULL REFERENCES rect_tables(id) ON DELETE CASCADE,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    seq INTEGER NOT NULL,
    area TEXT NOT NULL,
    source TEXT NOT NULL,
    problem TEXT NOT NULL,
    cause TEXT NOT NULL DEFAULT '',
    measure TEXT NOT NULL,
    requirement TEXT NOT NULL DEFAULT '',
    responsible TEXT NOT NULL,
    deadline DATE NOT NULL,
    original_deadline DATE NOT NULL,
    status TEXT NOT NULL,
    accepted_by INTEGER REFERENCES users(id),
    accepted_at TIMESTAMP,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX rect_items_table_idx ON rect_items(table_id, seq);
CREATE INDEX rect_items_campaign_unit_idx ON rect_items(campaign_id, unit_id);
CREATE INDEX rect_items_campaign_deadline_idx ON rect_items(campaign_id, deadline);

CREATE TABLE rect_extensions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    item_id INTEGER NOT NULL REFERENCES rect_items(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    old_deadline DATE NOT NULL,
    new_deadline DATE NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL,
    requested_by INTEGER REFERENCES users(id),
    requested_at TIMESTAMP NOT NULL,
    decided_by INTEGER REFERENCES users(id),
    decided_at TIMESTAMP,
    decision_comment TEXT NOT NULL DEFAULT ''
);
CREATE INDEX rect_extensions_item_idx ON rect_extensions(item_id);
CREATE INDEX rect_extensions_status_idx ON rect_extensions(status);

CREATE TABLE task_force (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (user_id, unit_id)
);
CREATE INDEX task_force_unit_idx ON task_force(unit_id);

CREATE TABLE supervision_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    author_id INTEGER REFERENCES users(id),
    content TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX supervision_notes_entity_idx ON supervision_notes(entity, entity_id);

CREATE TABLE field_changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    entity TEXT NOT NULL,
    entity_id INTEGER NOT NULL,
    user_id INTEGER REFERENCES users(id),
    at TIMESTAMP NOT NULL,
    field TEXT NOT NULL,
    old_value TEXT NOT NULL,
    new_value TEXT NOT NULL
);
CREATE INDEX field_changes_entity_idx ON field_changes(entity, entity_id);
