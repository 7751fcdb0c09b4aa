-- Additions for gateway, video-agent and meta-publisher (additive only: the tables they extend
-- belong to the earlier migrations).

-- video-agent: what a render job renders (duration_s, width, height, fail_attempts) and how far
-- the pipeline got; the status endpoint reports both.
ALTER TABLE render_jobs ADD COLUMN IF NOT EXISTS spec jsonb NOT NULL DEFAULT '{}';
ALTER TABLE render_jobs ADD COLUMN IF NOT EXISTS stage text;
ALTER TABLE render_jobs ADD COLUMN IF NOT EXISTS stages_done integer NOT NULL DEFAULT 0
  CHECK (stages_done >= 0);

-- gateway: the public video-generation API. A generation is submitted to video-agent as a
-- render job whose idempotency key is 'generation:<id>', so a retried submit finds the same job;
-- its status is then the render job's.
CREATE TABLE IF NOT EXISTS generations (
  id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  owner         text NOT NULL,  -- sha-256 hex of the API key that created it
  request       jsonb NOT NULL,
  status        text NOT NULL DEFAULT 'submitting'
                CHECK (status IN ('submitting', 'submitted', 'rejected')),
  render_job_id bigint REFERENCES render_jobs (id),
  error         text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  updated_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (status <> 'submitted' OR render_job_id IS NOT NULL),
  CHECK (status <> 'rejected' OR error IS NOT NULL)
);
CREATE INDEX IF NOT EXISTS generations_owner_idx ON generations (owner, created_at DESC);

-- gateway: uploaded assets (the bytes go to the gateway's --assets-dir, named by their hash).
CREATE TABLE IF NOT EXISTS assets (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  owner        text NOT NULL,
  sha256       text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
  content_type text NOT NULL,
  filename     text NOT NULL DEFAULT '',
  storage_uri  text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS assets_sha256_idx ON assets (sha256);

-- gateway: forwarding of deduplicated HubSpot events to ml-service happens after the webhook
-- was answered; these columns make it a retried, at-least-once queue.
ALTER TABLE webhook_events ADD COLUMN IF NOT EXISTS forward_attempts integer NOT NULL DEFAULT 0
  CHECK (forward_attempts >= 0);
ALTER TABLE webhook_events ADD COLUMN IF NOT EXISTS next_forward_at timestamptz NOT NULL
  DEFAULT now();
ALTER TABLE webhook_events ADD COLUMN IF NOT EXISTS forward_status integer;
ALTER TABLE webhook_events ADD COLUMN IF NOT EXISTS last_error text;

-- meta-publisher: what was actually sent to Meta after step capping and fuzzing (payload keeps
-- what was requested).
ALTER TABLE ad_change_history ADD COLUMN IF NOT EXISTS applied_payload jsonb;
