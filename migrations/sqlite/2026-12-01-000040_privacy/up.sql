-- Anonymity by construction (docs/privacy.md). Mirrored in migrations/postgres.
--
-- `responses` is rebuilt WITHOUT ROWID: an ordinary SQLite table keeps a hidden rowid that
-- counts up in insertion order, so anyone holding the file could put the responses in the
-- order they arrived and line them up with, for example, the order invitations were used.
-- Without a rowid the rows live in the order of their random ids. It also gains
-- `client_hash`: HMAC-SHA256, under the survey's secret, of the client's cookie or network
-- prefix (never the cookie or address itself), for flagging duplicates; purged with free text.
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
    answers, quality_flags, duration_seconds, submitted_on)
SELECT id, survey_id, version, stratum, channel, submission_key,
    answers, quality_flags, duration_seconds, submitted_on
FROM responses ORDER BY id;
DROP TABLE responses;
ALTER TABLE responses_without_rowid RENAME TO responses;
CREATE INDEX responses_by_survey_stratum ON responses (survey_id, stratum);

-- One secret per survey while it is open, keying its client hashes. Deleted when the survey
-- closes: from then on no stored hash can be tied to a cookie or a network.
CREATE TABLE survey_secrets (
    survey_id TEXT PRIMARY KEY NOT NULL REFERENCES surveys (id),
    secret TEXT NOT NULL
);

-- Surveys whose free text, hashes and secret have been deleted (`minyi purge`, or
-- `retention_days` after closing), and the date it was done.
CREATE TABLE survey_purges (
    survey_id TEXT PRIMARY KEY NOT NULL REFERENCES surveys (id),
    purged_on TEXT NOT NULL
);

-- Finding responses that share a client hash (the duplicate_client flag) without a table scan.
CREATE INDEX responses_by_client_hash ON responses (survey_id, client_hash);
