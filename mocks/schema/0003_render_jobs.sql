-- video-agent's work queue. Workers claim with
--   SELECT ... WHERE status = 'queued' AND run_after <= now()
--   ORDER BY priority DESC, id FOR UPDATE SKIP LOCKED LIMIT 1
-- set status 'running', locked_by and heartbeat_at, and renew heartbeat_at while rendering; a
-- reaper requeues running jobs whose heartbeat is stale. A job ends 'succeeded' with its video or
-- 'failed' once attempts reach max_attempts.
CREATE TABLE render_jobs (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  blueprint_id    bigint NOT NULL REFERENCES blueprints (id) ON DELETE CASCADE,
  idempotency_key text NOT NULL UNIQUE,  -- a retried POST /render finds the same job
  status          text NOT NULL DEFAULT 'queued'
                  CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
  priority        smallint NOT NULL DEFAULT 0,
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  max_attempts    integer NOT NULL DEFAULT 3 CHECK (max_attempts > 0),
  run_after       timestamptz NOT NULL DEFAULT now(),  -- backoff between attempts
  locked_by       text,
  heartbeat_at    timestamptz,
  output_video_id bigint REFERENCES videos (id),
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  finished_at     timestamptz,
  CHECK (attempts <= max_attempts),
  CHECK (status <> 'running' OR (locked_by IS NOT NULL AND heartbeat_at IS NOT NULL)),
  CHECK (status <> 'succeeded' OR output_video_id IS NOT NULL),
  CHECK ((status IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);
-- The claim query walks this partial index in its ORDER BY.
CREATE INDEX render_jobs_claim_idx ON render_jobs (priority DESC, id) WHERE status = 'queued';
-- The reaper's scan for stale heartbeats.
CREATE INDEX render_jobs_heartbeat_idx ON render_jobs (heartbeat_at) WHERE status = 'running';
CREATE INDEX render_jobs_blueprint_idx ON render_jobs (blueprint_id);
-- A succeeded job produced exactly one video, and a video comes from at most one job.
CREATE UNIQUE INDEX render_jobs_output_video_idx ON render_jobs (output_video_id)
  WHERE output_video_id IS NOT NULL;
