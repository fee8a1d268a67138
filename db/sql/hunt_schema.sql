-- The database of a heisenbug hunt (vcm hunt, docs/hunt.md): one row per run, and what the hunt was.
-- Told apart from a trace database by PRAGMA application_id = 0x76636d48 ('vcmH'); PRAGMA user_version is
-- this schema's version.

-- What was hunted, as key/value text: format ('vcm-hunt'), vcm_version, scenario_name, scenario_file,
-- scenario_hash, overrides (JSON array), policies (JSON array), first_seed, seeds (per policy, over all
-- shards), shard_index, shard_count, shards (JSON array of the shard indexes this file holds), seed_varies
-- (JSON array of what the seed changes), complete ('1' when every planned run has a row), interrupted,
-- created_by ('vcm hunt' or 'vcm hunt merge').
CREATE TABLE hunt (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- One deterministic run: `vcm run SCENARIO --policy POLICY --seed SEED` gives the same row (host_seconds
-- aside). verdict: PASS, FAIL (a guest said so), STALE (every guest passed but the oracle saw stale reads
-- or clobbers), FAULT, TIMEOUT (the instruction budget ran out); and, when the run never finished, CRASH
-- (its worker process died), HUNG (killed at the host-time limit) or ERROR (it could not start).
-- failed: 1 for FAIL, STALE, FAULT, TIMEOUT: what the hunt counts.
CREATE TABLE hunt_run (
    policy                   TEXT    NOT NULL,
    seed                     INTEGER NOT NULL,
    verdict                  TEXT    NOT NULL,
    failed                   INTEGER NOT NULL,
    stale_reads              INTEGER NOT NULL,
    clobbers                 INTEGER NOT NULL,
    stale_windows            INTEGER NOT NULL,
    migrations               INTEGER NOT NULL,
    max_unpreempted_flush_ns REAL    NOT NULL,
    vtime_ns                 REAL    NOT NULL,
    instructions             INTEGER NOT NULL,
    host_seconds             REAL    NOT NULL,
    detail                   TEXT    NOT NULL, -- the guests' verdicts, or why the run did not finish
    PRIMARY KEY (policy, seed)
) WITHOUT ROWID;

-- Per policy: runs, failures, and the runs that never finished.
CREATE VIEW hunt_policy AS
SELECT policy,
       count(*) AS runs,
       sum(failed) AS failures,
       sum(verdict IN ('CRASH', 'HUNG', 'ERROR')) AS unfinished,
       min(CASE WHEN failed = 1 THEN seed END) AS first_failing_seed
FROM hunt_run
GROUP BY policy;
