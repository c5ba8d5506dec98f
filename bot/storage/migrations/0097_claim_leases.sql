-- Timers and nudges are claimed under a lease, not owned (bot/claims.py): who holds a claim (a process name stable
-- across restarts) and until when (ISO 8601 UTC text). An expired claim is taken over by any claim round and marked
-- recovered. Same SQL on both backends: no PostgreSQL twin.
ALTER TABLE timers ADD COLUMN claimed_by TEXT;
ALTER TABLE timers ADD COLUMN lease_until TEXT;
ALTER TABLE timers ADD COLUMN recovered INTEGER NOT NULL DEFAULT 0;
ALTER TABLE nudge_ledger ADD COLUMN claimed_by TEXT;
ALTER TABLE nudge_ledger ADD COLUMN lease_until TEXT;
CREATE INDEX timers_running ON timers (lease_until) WHERE state = 'running';
CREATE INDEX nudge_ledger_claimed ON nudge_ledger (lease_until) WHERE status = 'claimed';
