-- +goose Up

-- Evidence of a training session (photos, sign-in sheets, videos); the bytes
-- live in object storage with their SHA-256.
CREATE TABLE session_evidence (
    id           uuid PRIMARY KEY,
    project_id   uuid NOT NULL REFERENCES projects (id),
    session_id   bigint NOT NULL REFERENCES training_sessions (id),
    kind         text NOT NULL CHECK (kind IN ('photo', 'signin', 'video')),
    file_name    text NOT NULL,
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL,
    sha256       text NOT NULL,
    object_key   text NOT NULL,
    uploaded_by  bigint NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX session_evidence_session_idx ON session_evidence (session_id, created_at);
CREATE INDEX session_evidence_project_idx ON session_evidence (project_id, created_at);

-- +goose Down
DROP TABLE session_evidence;
