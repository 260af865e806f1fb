-- Promo redemptions: one row per (code, user) is the user's slot under the code's cap.
-- `promo_codes.redeemed_count` counts the rows (reserved + committed) and changes only in the same
-- D1 batch as the row, so the two never disagree. A row is 'reserved' from the moment the slot is
-- taken until the user's Durable Object has answered; it carries the terms it was reserved under,
-- so finishing it later (after a crash) grants exactly what was promised.
CREATE TABLE promo_redemptions (
  code                 TEXT NOT NULL REFERENCES promo_codes (code),
  user_id              TEXT NOT NULL,
  -- The idempotency key of the credit inside the user's object: every retry drives this attempt.
  attempt_id           TEXT NOT NULL,
  status               TEXT NOT NULL CHECK (status IN ('reserved', 'committed')),
  bonus_tokens         INTEGER NOT NULL CHECK (bonus_tokens > 0),
  grant_validity_days  INTEGER,
  allowed_plans        TEXT,
  -- Epoch milliseconds.
  reserved_at          INTEGER NOT NULL,
  committed_at         INTEGER,
  PRIMARY KEY (code, user_id)
);
CREATE INDEX promo_redemptions_pending ON promo_redemptions (status, reserved_at) WHERE status = 'reserved';

-- Failed guesses per caller ('user:<id>' or 'ip:<address>'), in a window that opens with the
-- caller's first attempt. `pending` counts attempts still in flight: they are charged up front,
-- so a burst of concurrent guesses gets no more answers than the limit allows.
CREATE TABLE promo_guard (
  key           TEXT PRIMARY KEY,
  window_start  INTEGER NOT NULL,
  failures      INTEGER NOT NULL DEFAULT 0 CHECK (failures >= 0),
  pending       INTEGER NOT NULL DEFAULT 0 CHECK (pending >= 0)
);
CREATE INDEX promo_guard_window ON promo_guard (window_start);
