-- ml-service: predictions, observed performance, feedback into the Thompson sampler, the
-- semantic cache, and the learning cycles that retrain and promote.

CREATE TABLE predictions (
  id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id    bigint REFERENCES campaigns (id) ON DELETE CASCADE,
  video_id       bigint REFERENCES videos (id) ON DELETE SET NULL,
  model_version  text NOT NULL,
  features_hash  text NOT NULL,
  predicted_ctr  double precision NOT NULL CHECK (predicted_ctr BETWEEN 0 AND 1),
  predicted_roas double precision NOT NULL CHECK (predicted_roas >= 0),
  confidence     double precision CHECK (confidence BETWEEN 0 AND 1),
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX predictions_campaign_idx ON predictions (campaign_id, created_at DESC);
CREATE INDEX predictions_video_idx ON predictions (video_id);

-- Daily insights per ad, as Meta reports them (upserted: a re-fetch overwrites the day).
CREATE TABLE performance_metrics (
  campaign_id   bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  ad_id         text NOT NULL,
  metric_date   date NOT NULL,
  video_id      bigint REFERENCES videos (id) ON DELETE SET NULL,
  impressions   bigint NOT NULL DEFAULT 0 CHECK (impressions >= 0),
  clicks        bigint NOT NULL DEFAULT 0 CHECK (clicks >= 0),
  conversions   bigint NOT NULL DEFAULT 0 CHECK (conversions >= 0),
  spend_cents   bigint NOT NULL DEFAULT 0 CHECK (spend_cents >= 0),
  revenue_cents bigint NOT NULL DEFAULT 0 CHECK (revenue_cents >= 0),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, ad_id, metric_date),
  CHECK (clicks <= impressions)
);
CREATE INDEX performance_metrics_video_idx ON performance_metrics (video_id);

-- Thompson sampling: a Beta(alpha, beta) posterior per arm (a creative variant) of a campaign.
-- Starts at Beta(1, 1); each applied feedback event adds reward to alpha and 1 - reward to beta.
CREATE TABLE sampler_arms (
  campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  arm_id      text NOT NULL,
  alpha       double precision NOT NULL DEFAULT 1 CHECK (alpha > 0),
  beta        double precision NOT NULL DEFAULT 1 CHECK (beta > 0),
  pulls       bigint NOT NULL DEFAULT 0 CHECK (pulls >= 0),
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (campaign_id, arm_id)
);

-- Feedback is applied once: the event id is the key, and applied_at is set in the same
-- transaction that updates the arm (so alpha + beta - 2 = sum over applied events of 1).
CREATE TABLE feedback_events (
  event_id      text PRIMARY KEY,
  campaign_id   bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  arm_id        text NOT NULL,
  prediction_id bigint REFERENCES predictions (id) ON DELETE SET NULL,
  reward        double precision NOT NULL CHECK (reward BETWEEN 0 AND 1),
  observed_ctr  double precision CHECK (observed_ctr BETWEEN 0 AND 1),
  observed_roas double precision CHECK (observed_roas >= 0),
  received_at   timestamptz NOT NULL DEFAULT now(),
  applied_at    timestamptz  -- null until folded into sampler_arms
);
CREATE INDEX feedback_events_unapplied_idx ON feedback_events (received_at)
  WHERE applied_at IS NULL;
CREATE INDEX feedback_events_arm_idx ON feedback_events (campaign_id, arm_id);

-- Responses to prompts already answered, keyed by the hash of the normalised prompt; the
-- embedding (at most 100 dimensions: the cube limit) finds near-duplicates.
CREATE TABLE semantic_cache_entries (
  key_hash    text PRIMARY KEY CHECK (key_hash ~ '^[0-9a-f]{64}$'),  -- sha-256 hex
  prompt      text NOT NULL,
  response    jsonb NOT NULL,
  embedding   cube CHECK (embedding IS NULL OR cube_dim(embedding) <= 100),
  hits        bigint NOT NULL DEFAULT 0 CHECK (hits >= 0),
  created_at  timestamptz NOT NULL DEFAULT now(),
  last_hit_at timestamptz,
  expires_at  timestamptz NOT NULL,
  CHECK (expires_at > created_at)
);
CREATE INDEX semantic_cache_entries_expiry_idx ON semantic_cache_entries (expires_at);
CREATE INDEX semantic_cache_entries_embedding_idx ON semantic_cache_entries USING gist (embedding);

CREATE TABLE learning_cycles (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  trigger     text NOT NULL CHECK (trigger IN ('schedule', 'manual', 'feedback_threshold')),
  status      text NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'succeeded', 'failed')),
  started_at  timestamptz NOT NULL DEFAULT now(),
  finished_at timestamptz,
  error       text,
  CHECK ((status = 'running') = (finished_at IS NULL)),
  CHECK (status <> 'failed' OR error IS NOT NULL)
);
-- At most one cycle runs at a time: a second concurrent start fails on this index.
CREATE UNIQUE INDEX learning_cycles_one_running_idx ON learning_cycles ((true))
  WHERE status = 'running';

CREATE TABLE learning_cycle_steps (
  cycle_id    bigint NOT NULL REFERENCES learning_cycles (id) ON DELETE CASCADE,
  step_index  smallint NOT NULL CHECK (step_index >= 0),
  step_name   text NOT NULL CHECK (step_name IN ('collect_feedback', 'update_posteriors',
                                                 'retrain', 'evaluate', 'promote',
                                                 'extract_patterns')),
  status      text NOT NULL DEFAULT 'pending'
              CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'skipped')),
  started_at  timestamptz,
  finished_at timestamptz,
  detail      jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (cycle_id, step_index),
  UNIQUE (cycle_id, step_name),
  CHECK (finished_at IS NULL OR started_at IS NOT NULL AND finished_at >= started_at)
);
