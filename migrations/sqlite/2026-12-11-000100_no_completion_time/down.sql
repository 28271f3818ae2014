ALTER TABLE responses ADD COLUMN duration_seconds INTEGER;
