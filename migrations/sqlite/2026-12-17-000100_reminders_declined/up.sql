-- Whether the invited resident asked for no more reminders (the "stop reminders" link of each
-- invitation and reminder, and the List-Unsubscribe header mail clients offer as a button).
-- Not a refusal to answer: the invitation link keeps working. Set by its own request, never
-- by a response's transaction (docs/privacy.md, "Invitations"). Mirrored in migrations/sqlite
-- and migrations/postgres.
ALTER TABLE invitations ADD COLUMN reminders_declined BOOLEAN NOT NULL DEFAULT FALSE;
