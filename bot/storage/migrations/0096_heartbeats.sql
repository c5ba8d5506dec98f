-- One row per gateway shard: which process runs it and when it last said so (bot/heartbeat.py writes it every
-- 15 seconds; `bounceback health` reads it). Ids, a host name and a pid: nothing about any member.
-- gateway: connecting (started, not ready yet), connected, disconnected (the process is up, its gateway is not),
-- stopped (the process closed cleanly).
CREATE TABLE cluster_heartbeats (
    shard_id INTEGER PRIMARY KEY,
    shard_count INTEGER NOT NULL,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    started_at TEXT NOT NULL,
    beat_at TEXT NOT NULL,
    gateway TEXT NOT NULL CHECK (gateway IN ('connecting', 'connected', 'disconnected', 'stopped'))
);
