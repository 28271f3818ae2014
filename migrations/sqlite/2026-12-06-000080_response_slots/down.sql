CREATE TABLE responses_without_rowid (
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
    client_hash TEXT,
    FOREIGN KEY (survey_id, version) REFERENCES survey_versions (survey_id, version)
) WITHOUT ROWID;
INSERT INTO responses_without_rowid (id, survey_id, version, stratum, channel, submission_key,
    answers, quality_flags, duration_seconds, submitted_on, client_hash)
SELECT id, survey_id, version, stratum, channel, id, answers, quality_flags,
    duration_seconds, submitted_on, client_hash
FROM responses ORDER BY id;
DROP TABLE responses;
ALTER TABLE responses_without_rowid RENAME TO responses;
CREATE INDEX responses_by_survey_stratum ON responses (survey_id, stratum);
CREATE INDEX responses_by_client_hash ON responses (survey_id, client_hash);
DROP INDEX surveys_by_number;
ALTER TABLE surveys DROP COLUMN number;
