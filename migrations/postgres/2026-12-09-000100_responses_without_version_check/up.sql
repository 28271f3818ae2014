-- `responses` no longer has a foreign key to `survey_versions`; nothing else changes.
--
-- Why: a foreign key is checked for every row inserted, and the response writer inserts every
-- submission. Here the check is a trigger running a locking query per row, about a quarter of
-- the database server's CPU per stored response under load (issue 8, measured with
-- scripts/profile-ingest: 30.6-31.8 -> 21.8-25.8 us). The writer now checks, once per group and
-- in the same transaction, that the database holds the survey version each response names
-- (`storage::ingest::settle`), and no version is ever deleted. Both backends drop it, so that they
-- keep one schema.
ALTER TABLE responses DROP CONSTRAINT responses_survey_id_version_fkey;
