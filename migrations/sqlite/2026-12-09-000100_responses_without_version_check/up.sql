-- `responses` no longer has a foreign key to `survey_versions`; nothing else changes.
--
-- Why: a foreign key is checked for every row inserted, and the response writer inserts every
-- submission. On PostgreSQL the check is a trigger running a locking query per row, about a
-- quarter of the database server's CPU per stored response under load (issue 8, measured with
-- scripts/profile-ingest: 30.6-31.8 -> 21.8-25.8 us). The writer now checks, once per group and
-- in the same transaction, that the database holds the survey version each response names
-- (`storage::ingest::settle`), and no version is ever deleted. Both backends drop it, so that they
-- keep one schema.
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
    client_hash TEXT
);
INSERT INTO responses_rebuilt (slot, id, survey_id, version, stratum, channel, answers, quality_flags,
    duration_seconds, submitted_on, client_hash)
SELECT slot, id, survey_id, version, stratum, channel, answers, quality_flags,
    duration_seconds, submitted_on, client_hash
FROM responses ORDER BY slot;
DROP TABLE responses;
ALTER TABLE responses_rebuilt RENAME TO responses;
