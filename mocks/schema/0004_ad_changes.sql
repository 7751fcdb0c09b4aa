-- meta-publisher's SafeExecutor. A requested change waits in pending_ad_changes; a worker claims
-- due rows with FOR UPDATE SKIP LOCKED (next_attempt_at <= now(), lease expired), calls Meta with
-- the change id as idempotency key, and in one transaction deletes the pending row and inserts
-- the ad_change_history row. A failure increments attempts and pushes next_attempt_at out; after
-- the last attempt the change moves to ad_change_dead_letters. A change id therefore lives in
-- exactly one of the three tables (the integrity checker verifies it).
CREATE TABLE pending_ad_changes (
  id              uuid PRIMARY KEY,  -- the change id, also the idempotency key sent to Meta
  campaign_id     bigint NOT NULL REFERENCES campaigns (id) ON DELETE CASCADE,
  ad_account_id   text NOT NULL,
  change_type     text NOT NULL CHECK (change_type IN ('budget', 'status', 'bid', 'creative')),
  payload         jsonb NOT NULL,
  requested_by    bigint REFERENCES users (id) ON DELETE SET NULL,
  attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  locked_by       text,
  locked_until    timestamptz,  -- a claim's lease; an expired lease may be claimed again
  last_error      text,
  created_at      timestamptz NOT NULL DEFAULT now(),
  CHECK ((locked_by IS NULL) = (locked_until IS NULL))
);
CREATE INDEX pending_ad_changes_due_idx ON pending_ad_changes (next_attempt_at);
CREATE INDEX pending_ad_changes_campaign_idx ON pending_ad_changes (campaign_id);

-- The audit trail: one row per change applied at Meta, never updated or deleted.
CREATE TABLE ad_change_history (
  id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  change_id     uuid NOT NULL UNIQUE,  -- a second apply of the same change fails here
  campaign_id   bigint NOT NULL REFERENCES campaigns (id),
  ad_account_id text NOT NULL,
  change_type   text NOT NULL CHECK (change_type IN ('budget', 'status', 'bid', 'creative')),
  payload       jsonb NOT NULL,
  attempts      integer NOT NULL CHECK (attempts >= 1),
  meta_response jsonb,
  applied_by    text NOT NULL,  -- the worker
  requested_at  timestamptz NOT NULL,
  applied_at    timestamptz NOT NULL DEFAULT now(),
  CHECK (applied_at >= requested_at)
);
CREATE INDEX ad_change_history_campaign_idx ON ad_change_history (campaign_id, applied_at DESC);

-- Changes that exhausted their retries, kept for an operator.
CREATE TABLE ad_change_dead_letters (
  change_id     uuid PRIMARY KEY,
  campaign_id   bigint NOT NULL REFERENCES campaigns (id),
  ad_account_id text NOT NULL,
  change_type   text NOT NULL CHECK (change_type IN ('budget', 'status', 'bid', 'creative')),
  payload       jsonb NOT NULL,
  attempts      integer NOT NULL CHECK (attempts >= 1),
  last_error    text NOT NULL,
  requested_at  timestamptz NOT NULL,
  dead_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ad_change_dead_letters_campaign_idx ON ad_change_dead_letters (campaign_id);
