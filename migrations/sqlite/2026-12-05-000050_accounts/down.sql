DROP TRIGGER audit_log_is_append_only_delete;
DROP TRIGGER audit_log_is_append_only_update;
DROP TABLE audit_log;
DROP TABLE login_failures;
DROP TABLE grants;
DROP TABLE users;
