ALTER TABLE surveys DROP COLUMN fieldwork_traces_cleared;
