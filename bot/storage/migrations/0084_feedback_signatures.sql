-- The name a member asked to sign feedback requests with, given once and remembered (free text, so encrypted).
-- One row per member; /mydata export and delete cover it through `user_id`.
CREATE TABLE feedback_signatures (
    user_id INTEGER PRIMARY KEY,
    name_encrypted TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
