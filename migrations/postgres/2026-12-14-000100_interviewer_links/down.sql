DROP TABLE interviewer_links;
