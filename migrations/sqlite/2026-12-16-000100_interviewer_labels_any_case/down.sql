DROP INDEX interviewer_links_working_label;
CREATE UNIQUE INDEX interviewer_links_working_label ON interviewer_links (survey_id, label)
    WHERE withdrawn_on IS NULL;
