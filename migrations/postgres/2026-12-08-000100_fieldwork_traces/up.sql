-- Whether a closed survey's fieldwork traces (its client-hash secret, its invitees' addresses,
-- and on PostgreSQL the order its answers came in) are known to be cleared since it last closed.
-- Closing sets it false in the same statement that changes the state, and true once every
-- clearing step has succeeded; the start-up and daily run clear any survey left false (a
-- clearing step that failed, or a survey closed by a build that did not clear everything).
-- Surveys already closed start false, so they are cleared once more at the next start.
ALTER TABLE surveys ADD COLUMN fieldwork_traces_cleared BOOLEAN NOT NULL DEFAULT FALSE;
