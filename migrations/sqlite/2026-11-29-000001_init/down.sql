DROP TABLE server_keys;
DROP TABLE responses;
DROP TABLE survey_versions;
DROP TABLE surveys;
