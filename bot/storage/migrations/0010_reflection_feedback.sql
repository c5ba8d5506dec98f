-- Reflections, hard questions, feedback requests and the feedback members noted.
-- Every table here holds something about a member and has a `user_id` column.
-- Free text members write is stored encrypted (columns ending `_encrypted`).

CREATE TABLE reflections (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    checkin_id INTEGER REFERENCES checkins(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    went_well_encrypted TEXT NOT NULL,
    practise_next_encrypted TEXT,
    do_differently_encrypted TEXT
);
CREATE INDEX reflections_by_user ON reflections (user_id, created_at);
CREATE INDEX reflections_by_checkin ON reflections (checkin_id);

-- One row per hard question, split from the reflection's answer; the practice
-- and nudge features read this table directly.
CREATE TABLE hard_questions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    reflection_id INTEGER REFERENCES reflections(id) ON DELETE CASCADE,
    checkin_id INTEGER REFERENCES checkins(id) ON DELETE SET NULL,
    text_encrypted TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX hard_questions_by_user ON hard_questions (user_id, created_at);
CREATE INDEX hard_questions_by_reflection ON hard_questions (reflection_id);

-- A request for feedback after a rejection, from the draft to its outcome.
-- next_action_at: when the next reminder or follow-up is due (NULL when none).
-- last_ask_timer_id: the follow-up timer whose DM went out last, so a timer
-- re-run after a crash does not DM the same question twice.
CREATE TABLE feedback_requests (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    checkin_id INTEGER REFERENCES checkins(id) ON DELETE SET NULL,
    state TEXT NOT NULL DEFAULT 'drafted'
        CHECK (state IN ('drafted', 'remind', 'sent', 'replied', 'no_reply', 'ghosted', 'dismissed')),
    tone TEXT NOT NULL CHECK (tone IN ('brief', 'warm', 'formal')),
    interviewer_name_encrypted TEXT,
    subject_encrypted TEXT NOT NULL,
    body_encrypted TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    sent_at TEXT,
    next_action_at TEXT,
    closed_at TEXT,
    asks INTEGER NOT NULL DEFAULT 0,
    last_ask_timer_id INTEGER
);
CREATE INDEX feedback_requests_by_user ON feedback_requests (user_id, state);

-- What the company said, noted by the member; it joins the reflection on the
-- same rejection (by reflection_id, or by checkin_id when the reflection comes later).
CREATE TABLE feedback_notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    request_id INTEGER REFERENCES feedback_requests(id) ON DELETE SET NULL,
    checkin_id INTEGER REFERENCES checkins(id) ON DELETE SET NULL,
    reflection_id INTEGER REFERENCES reflections(id) ON DELETE SET NULL,
    text_encrypted TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX feedback_notes_by_user ON feedback_notes (user_id, created_at);
CREATE INDEX feedback_notes_by_checkin ON feedback_notes (checkin_id);
