-- Trainings and other activities, the roster behind their coverage, staff surveys and Party
-- brands (issue 11; DESIGN.md F6, F7, F8, F12).
--
-- Sets of codes (a person's categories, an activity's target groups and 四个带头 tags, a
-- survey's target units) are one text column each, written ",a,b," (see `domain::codes`): a
-- member test is `LIKE '%,code,%'`, the same on both backends.

-- 人员名册: the people of a unit. No national ID number is stored. A person who leaves is
-- ended (active_to), never deleted, so past coverage stays true.
CREATE TABLE roster_people (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    name TEXT NOT NULL,
    -- Roster categories (`RosterGroup` codes), ",party_member,cadre,".
    categories TEXT NOT NULL DEFAULT '',
    post TEXT NOT NULL DEFAULT '',
    active_from DATE,
    active_to DATE,
    notes TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX roster_people_unit_idx ON roster_people(unit_id, name);

-- 培训、考试、调研、座谈…: one activity organised by a unit.
CREATE TABLE activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    start_date DATE NOT NULL,
    -- The same as start_date for a one-day activity.
    end_date DATE NOT NULL,
    -- Target groups (`RosterGroup` codes), ",cadre,".
    target_groups TEXT NOT NULL DEFAULT '',
    -- 学时 per participant.
    hours REAL NOT NULL DEFAULT 0,
    -- 四个带头 (`LeadTag` codes), ",leaders,members,".
    lead_tags TEXT NOT NULL DEFAULT '',
    place TEXT NOT NULL DEFAULT '',
    summary TEXT NOT NULL DEFAULT '',
    -- Typed participant-times where no roster exists; NULL when attendance rows count.
    participant_count INTEGER,
    -- Exams: the pass mark (scores are per attendance row).
    pass_mark REAL,
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX activities_unit_idx ON activities(unit_id, start_date);
CREATE INDEX activities_date_idx ON activities(start_date);

-- Who attended (one row per person and activity); an exam keeps the person's score.
CREATE TABLE activity_attendance (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    activity_id INTEGER NOT NULL REFERENCES activities(id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES roster_people(id),
    score REAL,
    created_at TIMESTAMP NOT NULL,
    UNIQUE (activity_id, person_id)
);
CREATE INDEX activity_attendance_person_idx ON activity_attendance(person_id);

-- 员工思想状况调查.
CREATE TABLE surveys (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    period_start DATE NOT NULL,
    period_end DATE NOT NULL,
    -- `SurveyMethod` code: online / paper / symposium.
    method TEXT NOT NULL,
    -- Target units (unit ids), ",3,5,"; empty for the organising unit and all below it.
    target_units TEXT NOT NULL DEFAULT '',
    participants INTEGER NOT NULL DEFAULT 0,
    findings TEXT NOT NULL DEFAULT '',
    measures_taken TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX surveys_unit_idx ON surveys(unit_id, period_start);

-- 党建品牌: the committee's main brand (kind 'main') and one sub-brand per branch ('sub').
-- The logo / visual identity image and other files are attachments (owner 'brand').
CREATE TABLE brands (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    unit_id INTEGER NOT NULL UNIQUE REFERENCES units(id),
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    -- Main brand: its concept (理念); sub-brand: its theme (主题).
    theme TEXT NOT NULL DEFAULT '',
    feature TEXT NOT NULL DEFAULT '',
    slogan TEXT NOT NULL DEFAULT '',
    -- 工作法.
    method TEXT NOT NULL DEFAULT '',
    -- `BrandStatus` code: cultivating → created → published → awarded.
    status TEXT NOT NULL,
    cultivating_on DATE,
    created_on DATE,
    published_on DATE,
    awarded_on DATE,
    -- What it was recognised as (已获评), set by the office.
    award TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX brands_status_idx ON brands(status);

-- A brand's events: its launch, the 党建品牌体系发布会, …
CREATE TABLE brand_events (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    -- `BrandEventKind` code.
    kind TEXT NOT NULL,
    held_on DATE NOT NULL,
    title TEXT NOT NULL,
    place TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX brand_events_brand_idx ON brand_events(brand_id, held_on);

-- Where a brand was promoted (中企党建研究院, 山东国资报道, …).
CREATE TABLE brand_promotions (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    brand_id INTEGER NOT NULL REFERENCES brands(id) ON DELETE CASCADE,
    platform TEXT NOT NULL,
    published_on DATE NOT NULL,
    title TEXT NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX brand_promotions_brand_idx ON brand_promotions(brand_id, published_on);
CREATE INDEX brand_promotions_date_idx ON brand_promotions(published_on);

-- The yearly 学时 quota per person (coverage page: hours per person against it).
ALTER TABLE campaigns ADD COLUMN hours_quota INTEGER NOT NULL DEFAULT 32;
