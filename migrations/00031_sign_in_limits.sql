-- +goose Up

-- Administrators can disable an account: it cannot sign in, and its
-- sessions and API tokens stop working at once.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;

-- API tokens expire (GRANTFLOW_API_TOKEN_TTL, 90 days by default); tokens
-- issued before this migration expire 90 days after they were made.
ALTER TABLE api_tokens ADD COLUMN expires_at timestamptz;
UPDATE api_tokens SET expires_at = created_at + interval '90 days';
ALTER TABLE api_tokens ALTER COLUMN expires_at SET NOT NULL;

-- Rate limits shared by every web replica: a fixed window per bucket and
-- key (an address, a username, or both). addr and username are kept apart
-- so a reset can clear every limit on one username.
CREATE TABLE rate_limits (
    bucket     text NOT NULL,
    addr       text NOT NULL DEFAULT '',
    username   text NOT NULL DEFAULT '',
    hits       integer NOT NULL,
    window_end timestamptz NOT NULL,
    PRIMARY KEY (bucket, addr, username)
);
CREATE INDEX rate_limits_username_idx ON rate_limits (username) WHERE username <> '';
CREATE INDEX rate_limits_window_end_idx ON rate_limits (window_end);

-- +goose Down
DROP TABLE rate_limits;
ALTER TABLE api_tokens DROP COLUMN expires_at;
ALTER TABLE users DROP COLUMN disabled_at;
