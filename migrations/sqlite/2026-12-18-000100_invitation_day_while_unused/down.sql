ALTER TABLE invitations ADD COLUMN invited_on TEXT;
UPDATE invitations SET invited_on =
    (SELECT unused_invitations.invited_on FROM unused_invitations
     WHERE unused_invitations.invitation_id = invitations.id);
ALTER TABLE unused_invitations DROP COLUMN invited_on;
