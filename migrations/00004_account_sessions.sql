-- +goose Up

-- Which signed-in session belongs to whom, so a person can see and end
-- their sessions (the session data itself lives in sessions, scs's table).
CREATE TABLE user_sessions (
    token      text PRIMARY KEY,
    user_id    bigint NOT NULL REFERENCES users (id),
    ip         text NOT NULL DEFAULT '',
    user_agent text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id, created_at DESC);

-- +goose Down
DROP TABLE user_sessions;
