-- The agents a project runs, in order, and what one run of each is expected to consume. Usage that
-- names an agent outside the active ones is refused. Retired agents stay (history points at their
-- ids) with active = 0. The estimate profile is split into input and output tokens because models
-- price the two differently.

CREATE TABLE agents (
  id                 TEXT PRIMARY KEY,
  name               TEXT NOT NULL,
  sort_order         INTEGER NOT NULL DEFAULT 0,
  est_input_tokens   INTEGER NOT NULL CHECK (est_input_tokens >= 0),
  est_output_tokens  INTEGER NOT NULL CHECK (est_output_tokens >= 0),
  active             INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
  updated_at         TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Profiles sum to the per-agent figures of the documented usage example: 2,000 + 3,500 + 5,000 + 2,500 + 4,000 + 1,500 + 2,000 = 20,500.
INSERT INTO agents (id, name, sort_order, est_input_tokens, est_output_tokens) VALUES
  ('idea',   'IdeaAgent',    1,  800, 1200),
  ('srs',    'SRSAgent',     2, 1500, 2000),
  ('code',   'CodeAgent',    3, 2000, 3000),
  ('uml',    'UMLAgent',     4, 1000, 1500),
  ('report', 'ReportAgent',  5, 1500, 2500),
  ('ppt',    'PPTAgent',     6,  600,  900),
  ('viva',   'VivaAgent',    7,  800, 1200);
