-- Daily nudges: one schedule row per member, a ledger of what was sent per local day, quick mood logs.
-- Every table here holds something about a member and has a `user_id` column.

-- The schedule. The next due instant is stored (UTC) and indexed, so one query finds what is due;
-- nothing about it lives in memory (DESIGN.md, "Timers live in the database").
-- next_local_date: the member's calendar date that next_due_at belongs to (the ledger key).
-- sequence: how many nudges the member has drawn from their own shuffled order of the pool.
CREATE TABLE nudge_subscriptions (
    user_id INTEGER PRIMARY KEY,
    guild_id INTEGER,
    local_time TEXT NOT NULL,
    timezone TEXT NOT NULL,
    days_total INTEGER CHECK (days_total IS NULL OR days_total >= 1),
    days_sent INTEGER NOT NULL DEFAULT 0,
    sequence INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'stopped', 'finished', 'unreachable')),
    next_due_at TEXT,
    next_local_date TEXT,
    paused_until TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX nudge_subscriptions_due ON nudge_subscriptions (next_due_at) WHERE state = 'active';

-- At most one daily nudge per member per local date (the partial unique index), whatever crashes in between;
-- the nonce is deterministic so a resend after a crash is deduplicated by Discord too.
-- status: claimed (being sent, or interrupted by a crash), retry (Discord failed; try again at retry_at),
-- sent, skipped (too late), closed (the member's DMs are closed). recovered: left 'claimed' by a crash, so
-- it may already have reached Discord; claimed_at says whether Discord's nonce window still covers a resend.
CREATE TABLE nudge_ledger (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL DEFAULT 'daily' CHECK (kind IN ('daily', 'preview')),
    local_date TEXT NOT NULL,
    due_at TEXT NOT NULL,
    nudge_id TEXT NOT NULL,
    nonce TEXT NOT NULL UNIQUE,
    run_day INTEGER,
    run_days INTEGER,
    last_of_run INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'claimed'
        CHECK (status IN ('claimed', 'retry', 'sent', 'skipped', 'closed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    retry_at TEXT,
    recovered INTEGER NOT NULL DEFAULT 0,
    claimed_at TEXT,
    channel_id INTEGER,
    message_id INTEGER,
    last_error TEXT,
    helpful_at TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX nudge_ledger_one_a_day ON nudge_ledger (user_id, local_date) WHERE kind = 'daily';
CREATE INDEX nudge_ledger_unfinished ON nudge_ledger (status, retry_at) WHERE status IN ('claimed', 'retry');
CREATE INDEX nudge_ledger_by_user ON nudge_ledger (user_id, created_at);

-- "Log how I feel": a quick 1–5 from a nudge's button (ledger_id says which nudge, when there was one).
CREATE TABLE mood_logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    ledger_id INTEGER REFERENCES nudge_ledger(id) ON DELETE SET NULL,
    level INTEGER NOT NULL CHECK (level BETWEEN 1 AND 5),
    created_at TEXT NOT NULL
);
CREATE INDEX mood_logs_by_user ON mood_logs (user_id, created_at);
