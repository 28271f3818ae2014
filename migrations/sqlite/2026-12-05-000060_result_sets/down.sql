DROP TABLE result_sets;
