-- Reminder rounds: when `minyi remind` last wrote to a survey's unused invitations, so that a
-- second run soon after is refused unless forced (residents are not written to twice in a
-- row). A round is the survey's own date and how many reminders it queued: nothing about who
-- was reminded, and nothing a response could be joined to. Mirrored in migrations/sqlite and
-- migrations/postgres.
CREATE TABLE reminder_rounds (
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    round INTEGER NOT NULL CHECK (round > 0),
    queued_on TEXT NOT NULL,
    reminders INTEGER NOT NULL CHECK (reminders > 0),
    PRIMARY KEY (survey_id, round)
);
