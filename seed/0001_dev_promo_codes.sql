-- Development-only catalog rows: the seed document's promo codes. `npm start` and the tests
-- load this file; no production migration ships usable codes.
INSERT OR IGNORE INTO promo_codes (code, bonus_tokens) VALUES
  ('WELCOME2024', 10000),
  ('LAUNCH50',    50000),
  ('BETA100',    100000);
