ALTER TABLE invitations DROP COLUMN invited_on;
