-- Interview practice (/practice). Every table here holds something about a
-- member and has a `user_id` column; answers are stored encrypted.
-- question_key is a question bank id ("behavioural-07") or "hard:<hard_questions.id>"
-- for a member's own hard question (looked up, never copied, so deleting the
-- reflection removes its words).

-- One run of /practice: a single question (which can keep going) or a mock
-- interview of `planned` questions that ends with a summary.
CREATE TABLE practice_sessions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    category TEXT,
    planned INTEGER NOT NULL CHECK (planned BETWEEN 1 AND 10),
    mock INTEGER NOT NULL DEFAULT 0,
    source TEXT NOT NULL DEFAULT 'command',
    checkin_id INTEGER REFERENCES checkins(id) ON DELETE SET NULL,
    created_at TEXT NOT NULL,
    finished_at TEXT
);
CREATE INDEX practice_sessions_by_user ON practice_sessions (user_id, created_at);

-- One question asked in a session, in order. reason: bank, hard or review.
CREATE TABLE practice_turns (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    session_id INTEGER NOT NULL REFERENCES practice_sessions(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    position INTEGER NOT NULL,
    question_key TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT 'bank',
    asked_at TEXT NOT NULL,
    UNIQUE (session_id, position)
);
CREATE INDEX practice_turns_by_user ON practice_turns (user_id, question_key);

-- Each attempt at a question ("Try again" adds one). codes: the finding codes
-- of the rule-based check, comma separated (no answer text).
CREATE TABLE practice_answers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    turn_id INTEGER NOT NULL REFERENCES practice_turns(id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL,
    answer_encrypted TEXT NOT NULL,
    codes TEXT NOT NULL DEFAULT '',
    score INTEGER NOT NULL DEFAULT 0,
    self_rating INTEGER CHECK (self_rating IS NULL OR self_rating BETWEEN 1 AND 5),
    created_at TEXT NOT NULL,
    rated_at TEXT
);
CREATE INDEX practice_answers_by_turn ON practice_answers (turn_id);
CREATE INDEX practice_answers_by_user ON practice_answers (user_id, created_at);

-- Spaced repetition: a question the member rated 1 or 2 comes back at due_at.
-- Rating it 3 or more later removes the row.
CREATE TABLE practice_reviews (
    user_id INTEGER NOT NULL,
    question_key TEXT NOT NULL,
    category TEXT NOT NULL,
    last_rating INTEGER NOT NULL CHECK (last_rating BETWEEN 1 AND 5),
    low_count INTEGER NOT NULL DEFAULT 1,
    due_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_id, question_key)
);
CREATE INDEX practice_reviews_due ON practice_reviews (user_id, due_at);
