-- meta-publisher: until when Meta told it to stay away, per ad account ('*': the whole app,
-- Meta's #4). A change queued while a hold lasts is not claimed before it ends: without this,
-- only the changes pending at the moment of the throttle were held back, and one queued a
-- moment later was sent into the wait.
CREATE TABLE IF NOT EXISTS meta_throttles (
  scope         text PRIMARY KEY,
  blocked_until timestamptz NOT NULL
);
