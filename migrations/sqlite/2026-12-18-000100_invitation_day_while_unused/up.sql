-- The day an invitation was made moves from `invitations` to `unused_invitations`
-- (docs/privacy.md, "Invitations"). Reminders need it only while an invitation is unused, and
-- on `invitations` it outlived the use: a used invitation's day, set against the day of the
-- invitation responses of its county, narrowed down which of them it gave, from one copy of
-- the database. Using an invitation deletes its `unused_invitations` row (in the transaction
-- storing the response), and the day with it. Still a day, no time of day; cleared at the close.
-- Mirrored in migrations/sqlite and migrations/postgres.
ALTER TABLE unused_invitations ADD COLUMN invited_on TEXT;
UPDATE unused_invitations SET invited_on =
    (SELECT invitations.invited_on FROM invitations
     WHERE invitations.id = unused_invitations.invitation_id);
ALTER TABLE invitations DROP COLUMN invited_on;
