DROP INDEX audit_log_actor_action_at;
