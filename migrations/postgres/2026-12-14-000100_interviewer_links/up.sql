-- Interviewer links (docs/privacy.md, "Interviewer links"). Mirrored in migrations/sqlite.
--
-- A link an interviewer's phone or computer opens for every resident they interview (face to
-- face or on the telephone): the answers they enter are stored with channel `interviewer`.
-- SHA-256 of its random token, never the token; the survey; a label the publisher chose (a
-- code such as "A07", not a resident's name: nothing here is about residents); the county it
-- sets, if any; the day it was issued and, once withdrawn, the day it stopped working. Nothing
-- here refers to a response.
CREATE TABLE interviewer_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    label TEXT NOT NULL,
    stratum TEXT,
    issued_on TEXT NOT NULL,
    withdrawn_on TEXT
);
-- One working link per label and survey: a withdrawn label can be issued again.
CREATE UNIQUE INDEX interviewer_links_working_label ON interviewer_links (survey_id, label)
    WHERE withdrawn_on IS NULL;
