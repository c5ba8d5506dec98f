-- Core tables. Convention the data-rights code relies on: every table that holds
-- anything about a member has a `user_id` column; tables without one are listed
-- in bot/storage/userdata.py as holding no personal data.

CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE users (
    user_id INTEGER PRIMARY KEY,
    created_at TEXT NOT NULL,
    dm_channel_id INTEGER,
    dms_closed_at TEXT,
    dms_closed_notified_at TEXT
);

CREATE TABLE checkins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    guild_id INTEGER,
    created_at TEXT NOT NULL,
    company_encrypted TEXT,  -- typed by the member, so encrypted like all free text
    role_encrypted TEXT,
    stage TEXT,
    feeling TEXT,
    intensity INTEGER CHECK (intensity IS NULL OR intensity BETWEEN 1 AND 5),
    vent_encrypted TEXT,
    vent_kept_at TEXT,
    crisis_flagged INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX checkins_by_user ON checkins (user_id, created_at);

-- Which wording variant a member saw last per topic, so the same words never come twice in a row.
CREATE TABLE wording_history (
    user_id INTEGER NOT NULL,
    topic TEXT NOT NULL,
    last_variant INTEGER NOT NULL,
    PRIMARY KEY (user_id, topic)
);

-- Durable timers: the database is the queue (see DESIGN.md).
CREATE TABLE timers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    user_id INTEGER,
    due_at TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    state TEXT NOT NULL DEFAULT 'pending'
        CHECK (state IN ('pending', 'running', 'done', 'failed', 'cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX timers_due ON timers (state, due_at);
CREATE INDEX timers_by_user ON timers (user_id, kind);
