-- The writes of one finding transition, as raw SQL for pgbench: lock and
-- read the finding, append one event (a 32-byte hash chained to the head),
-- version-checked update of the finding's state, version and head, commit.
-- The state flips between in_progress and not_actionable, as
-- mark_not_actionable and reopen do. BenchmarkTransitionPgbench runs it
-- with -M prepared, 8 clients, each on its own 64 findings of
-- pgbench_targets (n = 0..511), which the benchmark creates.
\set n :client_id * 64 + random(0, 63)
BEGIN;
SELECT f.id AS fid, f.version AS v, f.state AS st, f.event_count AS seq
  FROM findings f
 WHERE f.id = (SELECT finding_id FROM pgbench_targets WHERE n = :n)
   FOR UPDATE \gset
INSERT INTO finding_events (finding_id, seq, kind, actor_id, from_state, to_state, data, created_at, prev_hash, hash)
SELECT id, event_count + 1,
       CASE state WHEN 'in_progress' THEN 'mark_not_actionable' ELSE 'reopen' END,
       1, state, CASE state WHEN 'in_progress' THEN 'not_actionable' ELSE 'in_progress' END,
       '{"reason": "pgbench"}', now(), head_hash, sha256(head_hash || int4send(event_count + 1))
  FROM findings WHERE id = :fid;
UPDATE findings
   SET state = CASE state WHEN 'in_progress' THEN 'not_actionable' ELSE 'in_progress' END,
       closed_at = CASE state WHEN 'in_progress' THEN now() END,
       version = version + 1, event_count = event_count + 1,
       head_hash = sha256(head_hash || int4send(event_count + 1)), updated_at = now()
 WHERE id = :fid AND version = :v;
COMMIT;
