-- Surveys, their versions (the exact file each response answered) and anonymous responses.
-- Mirrored in migrations/postgres; keep both in step.
CREATE TABLE surveys (
    id TEXT PRIMARY KEY NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('draft', 'open', 'closed', 'published')),
    current_version TEXT NOT NULL,
    created_at TEXT NOT NULL,
    opened_at TEXT,
    closed_at TEXT,
    published_at TEXT
);

CREATE TABLE survey_versions (
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    version TEXT NOT NULL,
    file_name TEXT NOT NULL,
    source TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    PRIMARY KEY (survey_id, version)
);

-- One row per accepted response. Deliberately absent: IP address, user agent, cookies, device
-- identifiers and the time of day. `submission_key` is a hash of the random token of the rendered
-- form: it makes a repeated submission idempotent and identifies nobody.
CREATE TABLE responses (
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
CREATE INDEX responses_by_survey_stratum ON responses (survey_id, stratum);

-- Server-wide secrets shared by every process on this database (the form-token signing key).
CREATE TABLE server_keys (
    name TEXT PRIMARY KEY NOT NULL,
    secret TEXT NOT NULL
);
