-- 正向激励 / 反向约束 (issue 12; DESIGN.md F5).

-- Commendations (评优评先), promotions on company platforms, upward recommendations.
CREATE TABLE incentives (
    id SERIAL PRIMARY KEY,
    -- `IncentiveKind` code.
    kind TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    -- Who granted, published or was recommended to (e.g. 集团公司党委, 山东国资报道).
    issuer TEXT NOT NULL DEFAULT '',
    awarded_on DATE NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    notes TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX incentives_unit_idx ON incentives(unit_id, awarded_on);

-- A report series (e.g. 党旗在一线高高飘扬) and its numbered issues.
CREATE TABLE report_series (
    id SERIAL PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE series_issues (
    id SERIAL PRIMARY KEY,
    series_id INTEGER NOT NULL REFERENCES report_series(id) ON DELETE CASCADE,
    -- 第 n 期.
    number INTEGER NOT NULL,
    -- The unit the issue reports on.
    unit_id INTEGER NOT NULL REFERENCES units(id),
    title TEXT NOT NULL,
    published_on DATE NOT NULL,
    link TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (series_id, number)
);

-- 反向约束: organisations or cadres referred to the committee; the office only.
CREATE TABLE referrals (
    id SERIAL PRIMARY KEY,
    -- `ReferralTarget` code: organisation / cadre.
    target TEXT NOT NULL,
    unit_id INTEGER NOT NULL REFERENCES units(id),
    -- The cadre's name (empty for an organisation).
    person TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL,
    referred_on DATE NOT NULL,
    -- `ReferralState` code.
    state TEXT NOT NULL DEFAULT 'referred',
    decision TEXT NOT NULL DEFAULT '',
    decided_on DATE,
    outcome TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_by INTEGER REFERENCES users(id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
