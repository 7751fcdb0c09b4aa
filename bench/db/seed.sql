-- scripts/bench-db: the same starting state before every run of either tool. Everything the
-- platform wrote is emptied (identities restarted), then: one user, :campaigns campaigns with
-- one blueprint each, :videos ingested (drive) videos, and :jobs queued render jobs with the
-- default RenderSpec spread over the blueprints. psql variables: campaigns, videos, jobs.
\set ON_ERROR_STOP 1
SET client_min_messages = warning;
TRUNCATE users RESTART IDENTITY CASCADE;
INSERT INTO users (email, display_name) VALUES ('bench@example.com', 'bench-db');
INSERT INTO campaigns (user_id, ad_account_id, name, objective, daily_budget_cents)
SELECT 1, 'act_' || (g % 10), 'bench campaign ' || g, 'sales', 10000
FROM generate_series(1, :campaigns) g;
INSERT INTO blueprints (campaign_id, prompt)
SELECT g, 'bench prompt ' || g FROM generate_series(1, :campaigns) g;
INSERT INTO videos (campaign_id, source, source_ref, storage_uri, duration_ms, width, height)
SELECT 1 + g % :campaigns, 'drive', 'drive-' || g, 'drive://bench/' || g || '.mp4', 15000,
  1080, 1920
FROM generate_series(1, :videos) g;
INSERT INTO render_jobs (blueprint_id, idempotency_key, spec)
SELECT 1 + g % :campaigns, 'bench:' || g,
  '{"duration_s": 15, "width": 1080, "height": 1920, "fail_attempts": 0}'
FROM generate_series(1, :jobs) g;
VACUUM ANALYZE;
CHECKPOINT;
