-- Places taken per county with a quota, updated in the same transaction as each response it
-- admits, so that no number of processes or connections can admit more than the quota.
-- A row is created the first time a county with a quota receives a response, counting the
-- responses already stored for it. Mirrored in the other backend's migrations.
CREATE TABLE stratum_quotas (
    survey_id TEXT NOT NULL,
    stratum TEXT NOT NULL,
    accepted INTEGER NOT NULL CHECK (accepted >= 0),
    PRIMARY KEY (survey_id, stratum)
);
