-- Progress and data rights. Every table here holds something about a member and has a `user_id` column.

-- A day the member filled in afterwards from /progress ("how was yesterday?"), so a missed day can keep
-- the forgiving check-in streak going. `day` is the member's local calendar date, YYYY-MM-DD.
CREATE TABLE mood_fillins (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id INTEGER NOT NULL,
    day TEXT NOT NULL,
    feeling TEXT,
    intensity INTEGER CHECK (intensity IS NULL OR intensity BETWEEN 1 AND 5),
    created_at TEXT NOT NULL,
    UNIQUE (user_id, day)
);
