-- The day an invitation was created (the survey's own date, YYYY-MM-DD), so that `minyi remind`
-- does not write "we invited you" to someone invited a moment ago: reminders wait
-- MIN_DAYS_BETWEEN_REMINDERS after each invitation's own day, not only after the last round.
-- A day, not a time, and never changed when the invitation is used; cleared with the address
-- when the survey closes (docs/privacy.md, "Invitations"). NULL for invitations made before
-- this column, which reminders treat as due. Mirrored in migrations/sqlite and
-- migrations/postgres.
ALTER TABLE invitations ADD COLUMN invited_on TEXT;
