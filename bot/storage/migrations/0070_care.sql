-- Care mode. After something a member wrote reads as a crisis or a concern, the bot stays gentle for a day:
-- no milestones, no celebration, no critique, and the next nudge is a check-in instead of a task.

-- Only when care mode ends is kept, never the words nor which tier was found (that is health data). A row whose
-- moment has passed means nothing and is purged by the daily retention job.
CREATE TABLE care_signals (
    user_id INTEGER PRIMARY KEY,
    until TEXT NOT NULL
);

-- The country a member gave to /resources (so helplines are theirs without asking again) and the language
-- Discord last reported for them (a hint for the country and a sensible hour when the bot writes first).
CREATE TABLE member_context (
    user_id INTEGER PRIMARY KEY,
    country TEXT,
    locale TEXT,
    updated_at TEXT NOT NULL
);

-- A member asked a server's moderators to reach out: who, where, when. Never what they wrote.
CREATE TABLE support_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    guild_id INTEGER NOT NULL,
    requested_at TEXT NOT NULL
);
CREATE INDEX support_requests_by_user ON support_requests (user_id, guild_id, requested_at);

-- Where a server's moderators want support requests: a private channel and the role to mention. Chosen by
-- admins with /setup support-channel; holds nothing about any member.
CREATE TABLE support_settings (
    guild_id INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    role_id INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- The old per-check-in crisis flag kept health data forever; care_signals replaces it and expires.
ALTER TABLE checkins DROP COLUMN crisis_flagged;
