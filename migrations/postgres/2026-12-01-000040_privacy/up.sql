-- Anonymity by construction (docs/privacy.md). Mirrored in migrations/sqlite (which also
-- rebuilds `responses` without SQLite's insertion-ordered rowid; PostgreSQL has none to drop).
--
-- `client_hash`: HMAC-SHA256, under the survey's secret, of the client's cookie or network
-- prefix (never the cookie or address itself), for flagging duplicates; purged with free text.
ALTER TABLE responses ADD COLUMN client_hash TEXT;

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
