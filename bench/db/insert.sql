-- pgbench script for scripts/bench-db, workload "insert": ml-service's prediction write, as
-- MlService::predict() sends it (mocks/ml_service/ml_service.cpp): one INSERT ... RETURNING in
-- its own transaction. One script run = one prediction.
-- bench/db/db_bench.cpp sends the same statement; keep the two in step.
-- Variables from the command line (-D): campaigns and videos (how many were seeded),
-- model_version and features_hash (text parameters, as the service binds them).
\set campaign_id random(1, :campaigns)
\set video_id random(1, :videos)
\set ctr random(1, 999) / 1000.0
\set roas random(0, 5000) / 1000.0
\set confidence random(1, 999) / 1000.0
BEGIN;
INSERT INTO predictions (campaign_id, video_id, model_version, features_hash,
  predicted_ctr, predicted_roas, confidence) VALUES (:campaign_id, :video_id, :model_version,
  :features_hash, :ctr, :roas, :confidence)
RETURNING id, created_at;
COMMIT;
