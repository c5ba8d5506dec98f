-- Work that must run once across every process of the bot (the weekly digest, retention, the care and timer
-- purges) is guarded by a lease: one row per job, taken with an atomic UPDATE by whichever process gets there
-- first, held until expires_at (ISO 8601 UTC text). Nothing about any member: listed as non-personal.
CREATE TABLE cluster_leases (
    name TEXT PRIMARY KEY,
    holder TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
