-- pgbench script for scripts/bench-db, workload "claim": video-agent's render-job queue, as
-- RenderJobStore::claim() and ::complete() send it (mocks/video_agent/render_job_store.cpp):
-- claim one queued job with FOR UPDATE SKIP LOCKED in one transaction, then mark it succeeded
-- in a second one (lock the row, record its video, finish the job). One script run = one job.
-- bench/db/db_bench.cpp sends the same statements; keep the two in step.
-- Variables: :client_id (pgbench's) is the worker name; the seeded jobs all carry the default
-- RenderSpec (15 s, 1080x1920), so the video's duration and size are those constants, and 6 is
-- render_stages().size().
BEGIN;
UPDATE render_jobs SET status = 'running', locked_by = :client_id, heartbeat_at = now(),
  attempts = attempts + 1, stage = NULL, stages_done = 0, updated_at = now()
WHERE id = (SELECT id FROM render_jobs WHERE status = 'queued' AND run_after <= now()
            ORDER BY priority DESC, id FOR UPDATE SKIP LOCKED LIMIT 1)
RETURNING id, blueprint_id, attempts, max_attempts, spec::text AS spec \gset job_
COMMIT;
BEGIN;
SELECT 1 FROM render_jobs WHERE id = :job_id AND locked_by = :client_id AND status = 'running'
FOR UPDATE;
INSERT INTO videos (campaign_id, blueprint_id, source, source_ref, storage_uri, duration_ms,
  width, height)
SELECT b.campaign_id, b.id, 'render', :job_id::text, 'render://jobs/' || :job_id::text ||
  '/attempt-' || :job_attempts::text || '.mp4', 15000, 1080, 1920
FROM blueprints b WHERE b.id = :job_blueprint_id
ON CONFLICT (source, source_ref) DO UPDATE SET storage_uri = EXCLUDED.storage_uri
RETURNING id \gset video_
UPDATE render_jobs SET status = 'succeeded', output_video_id = :video_id, stage = NULL,
  stages_done = 6, finished_at = now(), updated_at = now(), last_error = NULL WHERE id = :job_id;
COMMIT;
