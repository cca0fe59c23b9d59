-- +goose Up

-- The append-only, hash-chained audit log. Every state change writes its
-- entry in the same transaction as the change. audit_head holds the last
-- sequence number and hash; appending locks it, so the chain has no forks.
CREATE TABLE audit_log (
    seq         bigint PRIMARY KEY,
    at          timestamptz NOT NULL,
    actor_id    bigint NOT NULL DEFAULT 0, -- 0: the system
    actor_name  text NOT NULL,
    action      text NOT NULL,
    object_type text NOT NULL DEFAULT '',
    object_id   text NOT NULL DEFAULT '',
    ip          text NOT NULL DEFAULT '',
    summary     text NOT NULL DEFAULT '',
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL
);
CREATE INDEX audit_log_at_idx ON audit_log (at DESC);
CREATE INDEX audit_log_object_idx ON audit_log (object_type, object_id, seq DESC);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, seq DESC);
CREATE INDEX audit_log_action_idx ON audit_log (action, seq DESC);

CREATE TABLE audit_head (
    id   boolean PRIMARY KEY DEFAULT true CHECK (id),
    seq  bigint NOT NULL,
    hash bytea NOT NULL
);
INSERT INTO audit_head (seq, hash) VALUES (0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only: the application never updates or deletes an entry.
-- +goose StatementBegin
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();

-- Failed sign-ins and temporary lockout.
ALTER TABLE users
    ADD COLUMN failed_logins integer NOT NULL DEFAULT 0,
    ADD COLUMN locked_until  timestamptz;

-- +goose Down
ALTER TABLE users DROP COLUMN locked_until, DROP COLUMN failed_logins;
DROP TRIGGER audit_log_append_only ON audit_log;
DROP FUNCTION audit_log_append_only();
DROP TABLE audit_head;
DROP TABLE audit_log;
