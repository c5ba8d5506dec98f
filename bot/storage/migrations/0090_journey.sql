-- The whole journey (/log) and a long-term goal (/goal). Both tables hold something about a member and have
-- a `user_id` column, so /mydata export and delete cover them. What a member types (company, role, the goal)
-- is stored encrypted.

-- One row per step a member logged: an application sent, an interview had, an offer received. Rejections are
-- check-ins (`checkins`), not rows here.
CREATE TABLE journey_steps (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('applied', 'interview', 'offer')),
    company_encrypted TEXT,
    role_encrypted TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX journey_steps_by_user ON journey_steps (user_id, created_at);

-- The role or direction a member is aiming for, in their words; one per member.
CREATE TABLE journey_goals (
    user_id INTEGER PRIMARY KEY,
    text_encrypted TEXT NOT NULL,
    set_at TEXT NOT NULL
);

-- No schema change elsewhere: a win drafted from "Share as a win" under a logged offer has wins.source 'offer'.
