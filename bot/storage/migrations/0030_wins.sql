-- Wins: members share good news in a server's wins channel; the server's own settings live here too.

-- One row per server. Server-level settings only, nothing about any member, so no user_id column
-- (the data-rights list names this table as holding no personal data).
CREATE TABLE guild_settings (
    guild_id INTEGER PRIMARY KEY,
    wins_channel_id INTEGER,
    digest_enabled INTEGER NOT NULL DEFAULT 0,
    -- 0 = Monday ... 6 = Sunday, as Python's date.weekday().
    digest_weekday INTEGER NOT NULL DEFAULT 4 CHECK (digest_weekday BETWEEN 0 AND 6),
    -- Local wall-clock time in digest_timezone, HH:MM (24 h).
    digest_time TEXT NOT NULL DEFAULT '17:00',
    -- An IANA zone name such as Europe/London; never an abbreviation.
    digest_timezone TEXT NOT NULL DEFAULT 'UTC',
    digest_last_posted_at TEXT,
    updated_at TEXT NOT NULL
);

-- A win, from first draft to post. The text is the member's own words, so it is stored encrypted.
CREATE TABLE wins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    -- Known once the member is in a server (or picked one); NULL for a draft started in a DM.
    guild_id INTEGER,
    category TEXT NOT NULL,
    text_encrypted TEXT NOT NULL,
    anonymous INTEGER NOT NULL DEFAULT 0,
    state TEXT NOT NULL DEFAULT 'draft' CHECK (state IN ('draft', 'posted', 'removed')),
    -- Where the draft came from: 'command', 'reflection' or 'nudge'.
    source TEXT NOT NULL DEFAULT 'command',
    channel_id INTEGER,
    message_id INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    posted_at TEXT,
    removed_at TEXT
);
CREATE INDEX wins_by_user ON wins (user_id, state, updated_at);
CREATE INDEX wins_by_guild ON wins (guild_id, state, posted_at);

-- One cheer per member per win. user_id is the member who cheered; the rows also go with their win
-- (ON DELETE CASCADE), so deleting a member's wins deletes the cheers on them.
CREATE TABLE win_cheers (
    win_id INTEGER NOT NULL REFERENCES wins (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (win_id, user_id)
);
CREATE INDEX win_cheers_by_user ON win_cheers (user_id);

-- Private milestones a member has reached ('wins' shared, 'shots' = rejections logged), so each is said once.
-- delivered_at stays NULL until the member has actually been told (a DM, or their next /win).
CREATE TABLE win_milestones (
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('wins', 'shots')),
    threshold INTEGER NOT NULL,
    reached_at TEXT NOT NULL,
    delivered_at TEXT,
    PRIMARY KEY (user_id, kind, threshold)
);
