-- The manifest SHA-256 of the plain UTF-8 result set (`…-utf8.zip`, for R and Python) beside
-- the Excel one's, so that the public page pins both downloads: an evaluator working in R can
-- check the codebook and methodology of the file they use, not only its rows (the Merkle root
-- is the same for both). Empty for result sets recorded before. Mirrored in migrations/sqlite
-- and migrations/postgres.
ALTER TABLE result_sets ADD COLUMN manifest_sha256_utf8 TEXT;
