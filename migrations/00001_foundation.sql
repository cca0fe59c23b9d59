-- +goose Up

-- People who sign in. Roles are domain.Role values; district scopes district
-- staff ('市本级' for city level).
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    display_name  text NOT NULL,
    password_hash text NOT NULL,
    roles         text[] NOT NULL CHECK (cardinality(roles) > 0),
    district      text NOT NULL DEFAULT '市本级',
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Server-side web sessions (alexedwards/scs pgxstore layout).
CREATE TABLE sessions (
    token  text PRIMARY KEY,
    data   bytea NOT NULL,
    expiry timestamptz NOT NULL
);
CREATE INDEX sessions_expiry_idx ON sessions (expiry);

-- API tokens for /api/v1: only the SHA-256 of a token is kept.
CREATE TABLE api_tokens (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint NOT NULL REFERENCES users (id),
    token_hash   bytea NOT NULL UNIQUE,
    name         text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_tokens_user_idx ON api_tokens (user_id, created_at DESC);

CREATE SEQUENCE call_number_seq;

-- Calls (征集/招标). The row is written by CallWorkflow's activities; stage
-- mirrors the workflow's stage for pages and lists.
CREATE TABLE calls (
    id            uuid PRIMARY KEY,
    number        text NOT NULL UNIQUE,
    title         text NOT NULL,
    brand         text NOT NULL CHECK (brand IN ('cuncaoxin', 'shouzuqing')),
    district      text NOT NULL,
    budget_fen    bigint NOT NULL CHECK (budget_fen > 0),
    stage         text NOT NULL,
    created_by    bigint NOT NULL REFERENCES users (id),
    notice_key    text,
    notice_sha256 text,
    cancel_reason text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX calls_created_idx ON calls (created_at DESC, id);
CREATE INDEX calls_stage_created_idx ON calls (stage, created_at DESC, id);
CREATE INDEX calls_district_created_idx ON calls (district, created_at DESC, id);

-- Documents attached to a call; the bytes live in object storage.
CREATE TABLE call_attachments (
    id           uuid PRIMARY KEY,
    call_id      uuid NOT NULL REFERENCES calls (id),
    file_name    text NOT NULL,
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    sha256       text NOT NULL,
    object_key   text NOT NULL,
    version_id   text NOT NULL DEFAULT '',
    uploaded_by  bigint NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_attachments_call_idx ON call_attachments (call_id, created_at);

-- +goose Down
DROP TABLE call_attachments;
DROP TABLE calls;
DROP SEQUENCE call_number_seq;
DROP TABLE api_tokens;
DROP TABLE sessions;
DROP TABLE users;
