-- Deletion that tells the truth, and what the digest and DMs keep (issue 14).

-- A post that must come down but could not be taken down yet (the bot lost access, Discord failed). Only where
-- the message is: no member id and no words, so it survives the member's deletion and is retried until the
-- message is gone (a 404 counts as gone) or a moderator removes it. Listed in NON_PERSONAL_TABLES.
CREATE TABLE pending_takedowns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_tried_at TEXT,
    UNIQUE (channel_id, message_id)
);

-- Each weekly digest the bot posted, with the counts it showed, so it can be re-drawn without a member who
-- deleted their data. Counts only, nothing about any one member: listed in NON_PERSONAL_TABLES.
CREATE TABLE digest_posts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    week_number INTEGER NOT NULL,
    wins_shared INTEGER NOT NULL,
    members_checked_in INTEGER NOT NULL,
    show_checkins INTEGER NOT NULL DEFAULT 1,
    posted_at TEXT NOT NULL
);
CREATE INDEX digest_posts_by_guild ON digest_posts (guild_id);

-- Which member's win each digest quotes (their mention and words): deleted with the member, after the digest
-- was edited to drop them.
CREATE TABLE digest_quotes (
    digest_id INTEGER NOT NULL REFERENCES digest_posts (id) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    win_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    PRIMARY KEY (digest_id, position)
);
CREATE INDEX digest_quotes_by_user ON digest_quotes (user_id);

-- DMs the bot sent a member that carry their words (company, role, interviewer, draft text, vents...), so
-- /mydata delete can delete the messages too. Daily nudges keep theirs in nudge_ledger.
CREATE TABLE dm_messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    created_at TEXT NOT NULL,
    UNIQUE (channel_id, message_id)
);
CREATE INDEX dm_messages_by_user ON dm_messages (user_id);

-- When a kept vent is cleared (kept_at + retention, moved on when the member keeps it longer on purpose).
ALTER TABLE checkins ADD COLUMN vent_expires_at TEXT;

-- Admins may leave the "N members checked in" line out of the public digest.
ALTER TABLE guild_settings ADD COLUMN digest_checkins_line INTEGER NOT NULL DEFAULT 1;
