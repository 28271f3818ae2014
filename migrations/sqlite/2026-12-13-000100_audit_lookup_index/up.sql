-- Finding a recent entry of one account's action (`storage::has_audit_entry_since`: a refused
-- download is recorded once per account, survey and route every ten minutes, and every process
-- asks the log before it writes one) reads this index rather than the whole append-only log,
-- which only grows. Mirrored in migrations/sqlite and migrations/postgres.
CREATE INDEX audit_log_actor_action_at ON audit_log (actor, action, at);
