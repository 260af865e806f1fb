-- Usage facts now reach D1 from each object's ledger, after a cursor of their own: the last ledger
-- seq of a usage row D1 has counted for the user. last_seq stays the cursor of the outbox, which
-- carries every other fact (credits, expiries, refunds, plan changes, payments).
ALTER TABLE analytics_user_flush ADD COLUMN usage_seq INTEGER NOT NULL DEFAULT 0;
