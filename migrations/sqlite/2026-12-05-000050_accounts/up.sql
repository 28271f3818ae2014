-- Accounts of the people who run Minyi, the surveys granted to evaluators, login throttling and
-- the audit log (issue 5). Mirrored in migrations/postgres; keep both in step.

-- `password_hash` is an argon2id PHC string. `session_epoch` is part of every session cookie's
-- signed content: raising it (sign out) invalidates every cookie issued before, in every process.
CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    email TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'publisher', 'evaluator')),
    password_hash TEXT NOT NULL,
    session_epoch INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);

-- An evaluator may download the result sets of exactly the surveys granted here.
CREATE TABLE grants (
    user_id TEXT NOT NULL REFERENCES users (id),
    survey_id TEXT NOT NULL REFERENCES surveys (id),
    granted_at TEXT NOT NULL,
    PRIMARY KEY (user_id, survey_id)
);

-- Failed sign-ins in the current window, per account (`account:<user id>`) and per network
-- (`network:<HMAC of the /24 or /48 prefix>`: never an address). Rows of past windows are
-- deleted as new failures come in.
CREATE TABLE login_failures (
    throttle_key TEXT PRIMARY KEY NOT NULL,
    window_start BIGINT NOT NULL,
    failures INTEGER NOT NULL
);

-- Every sign-in, grant and download, appended and never changed: the triggers refuse UPDATE and
-- DELETE, and Minyi has no code that would issue them.
CREATE TABLE audit_log (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    survey_id TEXT,
    manifest_sha256 TEXT,
    detail TEXT NOT NULL
);
CREATE TRIGGER audit_log_is_append_only_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_is_append_only_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
