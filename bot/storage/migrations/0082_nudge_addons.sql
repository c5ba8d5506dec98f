-- Which personal add-on each nudge carried (a kind such as 'hard_question', never its words), so the next days
-- can vary them from the member's own history, across restarts (cogs/nudges/variety.py).
ALTER TABLE nudge_ledger ADD COLUMN addon TEXT;
CREATE INDEX nudge_ledger_by_user_date ON nudge_ledger (user_id, local_date);
