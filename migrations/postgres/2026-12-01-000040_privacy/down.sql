DROP TABLE survey_purges;
DROP TABLE survey_secrets;
ALTER TABLE responses DROP COLUMN client_hash;
