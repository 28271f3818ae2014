CREATE TABLE responses_rebuilt (
    slot INTEGER PRIMARY KEY NOT NULL,
    id TEXT NOT NULL,
    survey_id TEXT NOT NULL,
    version TEXT NOT NULL,
    stratum TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel = 'open_link' OR channel = 'invitation'
        OR channel = 'interviewer' OR channel = 'simulated'),
    answers TEXT NOT NULL,
    quality_flags TEXT NOT NULL,
    duration_seconds INTEGER,
    submitted_on TEXT NOT NULL,
    client_hash TEXT,
    FOREIGN KEY (survey_id, version) REFERENCES survey_versions (survey_id, version)
);
INSERT INTO responses_rebuilt (slot, id, survey_id, version, stratum, channel, answers, quality_flags,
    duration_seconds, submitted_on, client_hash)
SELECT slot, id, survey_id, version, stratum, channel, answers, quality_flags,
    duration_seconds, submitted_on, client_hash
FROM responses ORDER BY slot;
DROP TABLE responses;
ALTER TABLE responses_rebuilt RENAME TO responses;
