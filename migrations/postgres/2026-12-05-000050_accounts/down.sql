DROP TABLE audit_log;
DROP FUNCTION audit_log_is_append_only();
DROP TABLE login_failures;
DROP TABLE grants;
DROP TABLE users;
