-- The evaluation as published: public pages render from this snapshot and never recompute.
CREATE TABLE published_results (
    survey_id TEXT PRIMARY KEY NOT NULL REFERENCES surveys (id),
    version TEXT NOT NULL,
    published_at TEXT NOT NULL,
    evaluation TEXT NOT NULL
);
