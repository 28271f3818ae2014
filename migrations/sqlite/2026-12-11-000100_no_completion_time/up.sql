-- A response's completion time is no longer kept: with a request log's times of showing a form
-- and of posting one, the seconds between them paired each response with its moment of arrival.
-- The `too_fast` flag it served is decided when the form arrives and stored with the response.
-- Mirrored in migrations/sqlite and migrations/postgres.
ALTER TABLE responses DROP COLUMN duration_seconds;
