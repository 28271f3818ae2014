-- Invitations and the mail outbox (issue 7; docs/privacy.md, "Invitations"). Mirrored in
-- migrations/postgres.
--
-- An invitation: who to mail (deleted when the survey closes or is purged), the county the
-- sampling frame gives it (if any) and the language to write in. Nothing here refers to a
-- response, and nothing is a time. WITHOUT ROWID: no hidden counter in insertion order.
CREATE TABLE invitations (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    email TEXT,
    stratum TEXT,
    lang TEXT NOT NULL CHECK (lang IN ('zh', 'en'))
) WITHOUT ROWID;
CREATE UNIQUE INDEX invitations_by_email ON invitations (survey_id, email);

-- An invitation is unused while its row is here; using it DELETES the row, in the transaction
-- that stores the response. A deletion leaves no visible row behind (unlike an UPDATE, whose
-- new row version would carry the response's transaction id on PostgreSQL).
CREATE TABLE unused_invitations (
    invitation_id TEXT PRIMARY KEY NOT NULL REFERENCES invitations (id)
) WITHOUT ROWID;

-- The links sent: SHA-256 of each link's random token, never the token. One per message sent
-- (an invitation and its reminders carry different links to the same invitation).
CREATE TABLE invitation_links (
    token_hash TEXT PRIMARY KEY NOT NULL,
    invitation_id TEXT NOT NULL REFERENCES invitations (id)
) WITHOUT ROWID;
CREATE INDEX invitation_links_by_invitation ON invitation_links (invitation_id);

-- Messages waiting to be sent. A server claims one by setting `claim` and `claimed_until`
-- (unix seconds) while `claimed_until` has passed; a sent message's row is deleted. The body
-- is rendered when sending, so no link token is ever stored here.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY NOT NULL,
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    kind TEXT NOT NULL CHECK (kind IN ('invitation', 'reminder', 'results_published')),
    recipient TEXT NOT NULL,
    invitation_id TEXT REFERENCES invitations (id),
    lang TEXT NOT NULL CHECK (lang IN ('zh', 'en')),
    claimed_until BIGINT NOT NULL DEFAULT 0,
    claim TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT
) WITHOUT ROWID;
CREATE INDEX outbox_claimable ON outbox (claimed_until);
