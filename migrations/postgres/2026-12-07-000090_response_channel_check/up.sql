-- SQLite's migration of this name rewrites the channel's CHECK (an IN list cost it a temporary
-- b-tree per insert); PostgreSQL checks an IN list directly, so nothing changes here. Kept so
-- that both backends list the same migrations.
SELECT 1;
