DROP TABLE published_results;
