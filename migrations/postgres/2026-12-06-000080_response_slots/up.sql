-- Responses are keyed by `slot`, with no other index (the same layout as on SQLite).
--
-- Why: every stored response updated four indexes (random id, submission key, county, client
-- hash), each a random page; one index is enough (issue 8).
--
-- `slot` = the survey's `number` in the top bits, and below it 47 bits of a hash of `id`, the
-- response's key (derived from the rendered form's random token, so a repeat of the same form
-- gets the same slot). A survey's responses are one range of the key, in random order; the
-- slot identifies nobody and orders nothing. Two keys sharing 47 bits (rare) take the next free
-- slot, and the stored `id` tells them apart (storage::responses).
ALTER TABLE surveys ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE surveys SET number = numbered.n
FROM (SELECT id, ROW_NUMBER() OVER (ORDER BY id) AS n FROM surveys) numbered
WHERE numbered.id = surveys.id;
CREATE UNIQUE INDEX surveys_by_number ON surveys (number);

ALTER TABLE responses ADD COLUMN slot BIGINT;
-- Responses stored before keep their random ids; their slots number them in id order (random,
-- so no arrival order is carried over). Their ids are not derived from their forms' tokens, so
-- a form submitted before the upgrade and again after it would be stored twice
-- (docs/deployment.md, "Upgrading").
UPDATE responses SET slot = numbered.slot
FROM (SELECT r.id, s.number::BIGINT * 140737488355328
        + ROW_NUMBER() OVER (PARTITION BY r.survey_id ORDER BY r.id) AS slot
      FROM responses r JOIN surveys s ON s.id = r.survey_id) numbered
WHERE numbered.id = responses.id;
ALTER TABLE responses ALTER COLUMN slot SET NOT NULL;
ALTER TABLE responses DROP CONSTRAINT responses_pkey;
ALTER TABLE responses ADD PRIMARY KEY (slot);
ALTER TABLE responses DROP COLUMN submission_key;
DROP INDEX responses_by_survey_stratum;
DROP INDEX responses_by_client_hash;
