DROP INDEX IF EXISTS responses_by_client_hash;
DROP TABLE survey_purges;
DROP TABLE survey_secrets;
ALTER TABLE responses DROP COLUMN client_hash;
