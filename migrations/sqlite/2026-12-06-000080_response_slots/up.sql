-- Responses move to a rowid table keyed by `slot`, with no other index.
--
-- Why: the table was WITHOUT ROWID, keyed by a random text id, with three more indexes (the
-- submission key, county, client hash). Rows of ~1 KB do not fit an index b-tree's cell (they
-- spilled to an overflow page each), and every stored response dirtied five random pages: the
-- write-ahead log carried ~20 KB per response and the one writer could not keep up with a
-- city-wide push (issue 8). Now a response dirties one page.
--
-- `slot` = the survey's `number` in the top bits, and below it 47 bits of a hash of `id`, the
-- response's key (derived from the rendered form's random token, so a repeat of the same form
-- gets the same slot). A survey's responses are one range of the table, in random order; the
-- slot identifies nobody and orders nothing. Two keys sharing 47 bits (rare) take the next free
-- slot, and the stored `id` tells them apart (storage::responses).
ALTER TABLE surveys ADD COLUMN number INTEGER NOT NULL DEFAULT 0;
UPDATE surveys SET number = (SELECT COUNT(*) FROM surveys earlier WHERE earlier.id <= surveys.id);
CREATE UNIQUE INDEX surveys_by_number ON surveys (number);

CREATE TABLE responses_by_slot (
    slot INTEGER PRIMARY KEY NOT NULL,
    id TEXT NOT NULL,
    survey_id TEXT NOT NULL,
    version TEXT NOT NULL,
    stratum TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('open_link', 'invitation', 'interviewer', 'simulated')),
    answers TEXT NOT NULL,
    quality_flags TEXT NOT NULL,
    duration_seconds INTEGER,
    submitted_on TEXT NOT NULL,
    client_hash TEXT,
    FOREIGN KEY (survey_id, version) REFERENCES survey_versions (survey_id, version)
);
-- Responses stored before keep their random ids; their slots number them in id order (random,
-- so no arrival order is carried over). Their ids are not derived from their forms' tokens, so
-- a form submitted before the upgrade and again after it would be stored twice
-- (docs/deployment.md, "Upgrading").
INSERT INTO responses_by_slot (slot, id, survey_id, version, stratum, channel, answers,
    quality_flags, duration_seconds, submitted_on, client_hash)
SELECT s.number * 140737488355328
        + ROW_NUMBER() OVER (PARTITION BY r.survey_id ORDER BY r.id),
    r.id, r.survey_id, r.version, r.stratum, r.channel, r.answers,
    r.quality_flags, r.duration_seconds, r.submitted_on, r.client_hash
FROM responses r JOIN surveys s ON s.id = r.survey_id
ORDER BY 1;
DROP TABLE responses;
ALTER TABLE responses_by_slot RENAME TO responses;
