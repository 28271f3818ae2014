DROP TABLE outbox;
DROP TABLE invitation_links;
DROP TABLE unused_invitations;
DROP TABLE invitations;
