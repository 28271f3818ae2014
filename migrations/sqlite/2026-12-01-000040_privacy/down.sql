DROP TABLE survey_purges;
DROP TABLE survey_secrets;
CREATE TABLE responses_with_rowid (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL,
    version TEXT NOT NULL,
    stratum TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('open_link', 'invitation', 'interviewer', 'simulated')),
    submission_key TEXT NOT NULL UNIQUE,
    answers TEXT NOT NULL,
    quality_flags TEXT NOT NULL,
    duration_seconds INTEGER,
    submitted_on TEXT NOT NULL,
    FOREIGN KEY (survey_id, version) REFERENCES survey_versions (survey_id, version)
);
INSERT INTO responses_with_rowid SELECT id, survey_id, version, stratum, channel, submission_key,
    answers, quality_flags, duration_seconds, submitted_on FROM responses;
DROP TABLE responses;
ALTER TABLE responses_with_rowid RENAME TO responses;
CREATE INDEX responses_by_survey_stratum ON responses (survey_id, stratum);
