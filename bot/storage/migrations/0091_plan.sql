-- The growth plan (/plan): a short private list of things a member wants to work on.
-- text_encrypted is the member's words (or an interviewer's, as they noted them), so it is encrypted.
-- source_kind: question (a hard question from a reflection, source_id = hard_questions.id), feedback (a line of
-- an interviewer's reply, source_id = feedback_notes.id, source_part = which actionable line), answer (a practice
-- answer rated low, source_id = practice_answers.id) or own (typed in /plan, no source_id).
-- action: practise (a question), story (prepare a story), cv (update a CV section), own (something of their own).
-- question_key: the practice question to ask first while the item is open ("hard:<id>" or a bank id), if any.
-- A dropped item is deleted; a done one is kept (state 'done', closed_at) until the member deletes their data.
CREATE TABLE plan_items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    text_encrypted TEXT NOT NULL,
    source_kind TEXT NOT NULL CHECK (source_kind IN ('question', 'feedback', 'answer', 'own')),
    source_id INTEGER,
    source_part INTEGER NOT NULL DEFAULT 0,
    action TEXT NOT NULL CHECK (action IN ('practise', 'story', 'cv', 'own')),
    question_key TEXT,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done')),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX plan_items_by_user ON plan_items (user_id, state, created_at);
-- One click adds a source once while it is open: a second click (or a double tap) finds it already there.
CREATE UNIQUE INDEX plan_items_once ON plan_items (user_id, source_kind, source_id, source_part)
    WHERE state = 'open' AND source_id IS NOT NULL;
