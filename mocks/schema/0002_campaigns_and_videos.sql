-- Campaigns, their creative blueprints, and the videos drive-intel ingests or video-agent renders.

CREATE TABLE campaigns (
  id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id            bigint NOT NULL REFERENCES users (id),
  ad_account_id      text NOT NULL,
  meta_campaign_id   text UNIQUE,  -- set once published to Meta
  name               text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  objective          text NOT NULL
                     CHECK (objective IN ('awareness', 'traffic', 'engagement', 'leads', 'sales')),
  status             text NOT NULL DEFAULT 'draft'
                     CHECK (status IN ('draft', 'active', 'paused', 'archived')),
  daily_budget_cents bigint NOT NULL CHECK (daily_budget_cents >= 0),
  created_at         timestamptz NOT NULL DEFAULT now(),
  updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX campaigns_user_idx ON campaigns (user_id, created_at DESC);
CREATE INDEX campaigns_account_idx ON campaigns (ad_account_id);

CREATE TABLE blueprints (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  prompt      text NOT NULL CHECK (length(prompt) > 0),
  hook        text,
  script      jsonb NOT NULL DEFAULT '{}',
  status      text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'approved', 'rejected')),
  created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX blueprints_campaign_idx ON blueprints (campaign_id);

CREATE TABLE videos (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  campaign_id  bigint REFERENCES campaigns (id) ON DELETE SET NULL,  -- null until assigned
  blueprint_id bigint REFERENCES blueprints (id) ON DELETE SET NULL,
  source       text NOT NULL CHECK (source IN ('drive', 'render')),
  source_ref   text NOT NULL,  -- the Drive file id, or the render job's id
  storage_uri  text NOT NULL,
  duration_ms  integer NOT NULL CHECK (duration_ms > 0),
  width        integer NOT NULL CHECK (width > 0),
  height       integer NOT NULL CHECK (height > 0),
  status       text NOT NULL DEFAULT 'ingested' CHECK (status IN ('ingested', 'analyzed', 'failed')),
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (source, source_ref)  -- ingesting the same Drive file twice yields one video
);
CREATE INDEX videos_campaign_idx ON videos (campaign_id, created_at DESC);
CREATE INDEX videos_blueprint_idx ON videos (blueprint_id);

-- drive-intel's scene split and per-scene features.
CREATE TABLE video_scenes (
  video_id    bigint NOT NULL REFERENCES videos (id) ON DELETE CASCADE,
  scene_index integer NOT NULL CHECK (scene_index >= 0),
  start_ms    integer NOT NULL CHECK (start_ms >= 0),
  end_ms      integer NOT NULL,
  features    jsonb NOT NULL DEFAULT '{}',
  PRIMARY KEY (video_id, scene_index),
  CHECK (end_ms > start_ms)
);
