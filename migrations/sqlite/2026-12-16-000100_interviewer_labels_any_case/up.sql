-- A label names one working interviewer link of a survey whatever its case: "A07" and "a07"
-- are one interviewer's code typed twice, not two links (docs/privacy.md, "Interviewer links").
-- lower() folds ASCII letters on SQLite, and more on PostgreSQL; codes are ASCII or Chinese.
-- Mirrored in migrations/sqlite and migrations/postgres.
--
-- Working links whose labels differ only in case, made before this index, keep working: the
-- later-sorting labels get the start of their hash appended, so that the publisher can tell
-- them apart and withdraw one.
UPDATE interviewer_links
SET label = label || ' (' || substr(token_hash, 1, 6) || ')'
WHERE withdrawn_on IS NULL
  AND EXISTS (
    SELECT 1 FROM interviewer_links AS other
    WHERE other.survey_id = interviewer_links.survey_id
      AND other.withdrawn_on IS NULL
      AND lower(other.label) = lower(interviewer_links.label)
      AND other.label < interviewer_links.label
  );
DROP INDEX interviewer_links_working_label;
CREATE UNIQUE INDEX interviewer_links_working_label ON interviewer_links (survey_id, lower(label))
    WHERE withdrawn_on IS NULL;
