-- 千分制 assessment (issue 12; DESIGN.md F9). Points are kept in tenths of a point
-- (`domain::assessment::Points`): 12.5 points is 125.

-- One scheme per campaign year.
CREATE TABLE assessment_schemes (
    id SERIAL PRIMARY KEY,
    year INTEGER NOT NULL UNIQUE,
    title TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The tree of indicators: areas (parent_id NULL) and their items (leaves). Only leaves are
-- scored; their max_tenths sum to 10000 (1000 points), 一票否决 leaves carry 0.
CREATE TABLE assessment_indicators (
    id SERIAL PRIMARY KEY,
    scheme_id INTEGER NOT NULL REFERENCES assessment_schemes(id) ON DELETE CASCADE,
    parent_id INTEGER REFERENCES assessment_indicators(id),
    -- Order among siblings, from 1.
    position INTEGER NOT NULL,
    name TEXT NOT NULL,
    -- `IndicatorKind` code of a leaf (bonus / deduct / veto); an area's is 'area'.
    kind TEXT NOT NULL,
    max_tenths INTEGER NOT NULL DEFAULT 0,
    -- 评分标准 as written in the scheme.
    rule TEXT NOT NULL DEFAULT '',
    -- `ScoreSource` code when the portal can suggest the leaf's score from its own records.
    source TEXT,
    version INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX assessment_indicators_scheme_idx ON assessment_indicators(scheme_id, parent_id, position);

-- A unit's score sheet for a scheme: the reviewed record (self-score, 总支复查, 党委复核).
CREATE TABLE assessment_scores (
    id SERIAL PRIMARY KEY,
    scheme_id INTEGER NOT NULL REFERENCES assessment_schemes(id),
    unit_id INTEGER NOT NULL REFERENCES units(id),
    -- `ReviewState` code.
    state TEXT NOT NULL DEFAULT 'draft',
    version INTEGER NOT NULL DEFAULT 1,
    submitted_by INTEGER REFERENCES users(id),
    submitted_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (scheme_id, unit_id)
);
CREATE INDEX assessment_scores_unit_idx ON assessment_scores(unit_id);

-- One leaf of a score sheet at each level. The value's meaning follows the leaf's kind
-- (`domain::assessment::leaf_points`): 扣分 the deduction (0..=max), 加分 the points earned
-- (0..=max), 一票否决 1 when triggered (the note says why) else 0. NULL: not entered.
CREATE TABLE assessment_lines (
    id SERIAL PRIMARY KEY,
    score_id INTEGER NOT NULL REFERENCES assessment_scores(id) ON DELETE CASCADE,
    indicator_id INTEGER NOT NULL REFERENCES assessment_indicators(id),
    self_tenths INTEGER,
    self_note TEXT NOT NULL DEFAULT '',
    review_tenths INTEGER,
    review_note TEXT NOT NULL DEFAULT '',
    office_tenths INTEGER,
    office_note TEXT NOT NULL DEFAULT '',
    -- 系统建议分, from the portal's records (same meaning as the values above).
    suggested_tenths INTEGER,
    UNIQUE (score_id, indicator_id)
);
