-- The template library 工作模板 (issue 12; DESIGN.md F10): 基层党组织标准化规范化建设指导意见,
-- 7 areas and 85 templates, each with its file versions.
CREATE TABLE template_areas (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    position INTEGER NOT NULL,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1
);

CREATE TABLE work_templates (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    area_id INTEGER NOT NULL REFERENCES template_areas(id),
    position INTEGER NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    -- Downloads of any of its versions.
    downloads INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX work_templates_area_idx ON work_templates(area_id, position);

-- Every uploaded file of a template, kept; the highest number is the current one.
CREATE TABLE template_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    template_id INTEGER NOT NULL REFERENCES work_templates(id) ON DELETE CASCADE,
    number INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size INTEGER NOT NULL,
    data BLOB NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    uploaded_by INTEGER REFERENCES users(id),
    uploaded_at TIMESTAMP NOT NULL,
    UNIQUE (template_id, number)
);
