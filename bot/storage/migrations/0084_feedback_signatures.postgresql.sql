-- PostgreSQL twin of 0084_feedback_signatures.sql, the same tables and columns: Discord ids and row ids are BIGINT
-- (SQLite's INTEGER is 64-bit, PostgreSQL's 32), ids are identity columns, and foreign keys are
-- DEFERRABLE so a member's deletion can check them at COMMIT as SQLite's defer_foreign_keys does.

-- The name a member asked to sign feedback requests with, given once and remembered (free text, so encrypted).
-- One row per member; /mydata export and delete cover it through `user_id`.
CREATE TABLE feedback_signatures (
    user_id BIGINT PRIMARY KEY,
    name_encrypted TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
