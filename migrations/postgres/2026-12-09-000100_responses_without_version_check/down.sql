ALTER TABLE responses ADD FOREIGN KEY (survey_id, version) REFERENCES survey_versions (survey_id, version);
