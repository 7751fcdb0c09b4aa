-- Users, API keys and the gateway's idempotency records.
-- The cube extension (PostgreSQL contrib) backs the embedding columns of later migrations.
CREATE EXTENSION IF NOT EXISTS cube;

CREATE TABLE users (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  email        text NOT NULL UNIQUE CHECK (position('@' IN email) > 1),
  display_name text NOT NULL DEFAULT '',
  created_at   timestamptz NOT NULL DEFAULT now()
);

-- The gateway authenticates X-API-Key by hash; the key itself is never stored.
CREATE TABLE api_keys (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  key_hash   text NOT NULL UNIQUE CHECK (key_hash ~ '^[0-9a-f]{64}$'),  -- sha-256 hex
  label      text NOT NULL DEFAULT '',
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id);

-- A replayed POST with the same Idempotency-Key returns the stored response instead of acting
-- twice; a different body under the same key is a conflict (request_hash differs).
CREATE TABLE idempotency_keys (
  scope           text NOT NULL,  -- who and where: "user:42 POST /campaigns"
  key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  request_hash    text NOT NULL,
  response_status integer CHECK (response_status BETWEEN 100 AND 599),  -- null while in progress
  response_body   jsonb,
  created_at      timestamptz NOT NULL DEFAULT now(),
  expires_at      timestamptz NOT NULL,
  PRIMARY KEY (scope, key),
  CHECK (expires_at > created_at)
);
CREATE INDEX idempotency_keys_expiry_idx ON idempotency_keys (expires_at);

-- HubSpot retries webhooks: the event id makes a redelivery a no-op (INSERT ... ON CONFLICT DO
-- NOTHING decides who processes it).
CREATE TABLE webhook_events (
  source       text NOT NULL CHECK (source IN ('hubspot', 'meta')),
  event_id     text NOT NULL,
  payload      jsonb NOT NULL,
  received_at  timestamptz NOT NULL DEFAULT now(),
  processed_at timestamptz,
  PRIMARY KEY (source, event_id)
);
CREATE INDEX webhook_events_unprocessed_idx ON webhook_events (received_at)
  WHERE processed_at IS NULL;
