-- The result set of each published or exported survey version (issue 5): the SHA-256 of its
-- manifest (with the byte-order-marked CSV files, the default) and the Merkle root of its
-- response rows, shown on the public results page so anyone can check a downloaded copy.
-- Mirrored in the other backend's migrations; keep both in step.
CREATE TABLE result_sets (
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    version TEXT NOT NULL,
    manifest_sha256 TEXT NOT NULL,
    merkle_root TEXT NOT NULL,
    responses BIGINT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (survey_id, version)
);
