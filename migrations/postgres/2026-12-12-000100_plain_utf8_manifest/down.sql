ALTER TABLE result_sets DROP COLUMN manifest_sha256_utf8;
