-- +goose Up

-- Mid-term and final evaluations of a funded project: one row per round
-- (attempt 2 is the re-evaluation after rectification).
CREATE TABLE evaluations (
    project_id     uuid NOT NULL REFERENCES projects (id),
    phase          text NOT NULL CHECK (phase IN ('midterm', 'final')),
    attempt        int NOT NULL CHECK (attempt BETWEEN 1 AND 2),
    due_at         timestamptz NOT NULL,
    summary        text NOT NULL DEFAULT '',
    report_key     text NOT NULL DEFAULT '',
    report_name    text NOT NULL DEFAULT '',
    report_sha256  text NOT NULL DEFAULT '',
    submitted_at   timestamptz,
    submitted_by   bigint REFERENCES users (id),
    outcome        jsonb,
    decided_at     timestamptz,
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, phase, attempt)
);
-- The report can only come in before the due date (a late one is a fail).
ALTER TABLE evaluations ADD CONSTRAINT evaluations_report_in_time CHECK (submitted_at IS NULL OR submitted_at <= due_at);

-- Evaluators drawn from the expert pool for a round; conflicts recorded.
CREATE TABLE evaluators (
    project_id uuid NOT NULL,
    phase      text NOT NULL,
    attempt    int NOT NULL,
    talent_id  bigint NOT NULL REFERENCES talents (id),
    user_id    bigint REFERENCES users (id),
    seq        int NOT NULL,
    excluded   text NOT NULL DEFAULT '',
    sheet      jsonb,
    scored_at  timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, phase, attempt, talent_id),
    FOREIGN KEY (project_id, phase, attempt) REFERENCES evaluations (project_id, phase, attempt)
);
CREATE INDEX evaluators_user_idx ON evaluators (user_id, scored_at);

ALTER TABLE projects
    ADD COLUMN grade            text CHECK (grade IN ('excellent', 'good', 'fair', 'poor')),
    ADD COLUMN graded_at        timestamptz,
    ADD COLUMN terminated_at    timestamptz,
    ADD COLUMN earned_fen       bigint,
    ADD COLUMN clawback_fen     bigint,
    ADD COLUMN final_report_key text,
    ADD COLUMN final_report_sha256 text,
    ADD COLUMN archived_at      timestamptz,
    ADD COLUMN manifest_key     text,
    ADD COLUMN manifest_sha256  text;
CREATE INDEX projects_grade_idx ON projects (org_id, graded_at DESC) WHERE grade IS NOT NULL;
CREATE INDEX projects_graded_idx ON projects (graded_at DESC) WHERE grade IS NOT NULL;

-- The archive package: every object copied into the locked archive bucket.
CREATE TABLE archive_objects (
    project_id   uuid NOT NULL REFERENCES projects (id),
    key          text NOT NULL,
    source_key   text NOT NULL,
    class        text NOT NULL CHECK (class IN ('procurement', 'accounting', 'training')),
    sha256       text NOT NULL,
    size_bytes   bigint NOT NULL,
    version_id   text NOT NULL DEFAULT '',
    retain_until timestamptz NOT NULL,
    PRIMARY KEY (project_id, key)
);

-- Phone check-in finds a session by its code (it was a scan).
CREATE INDEX training_sessions_code_idx ON training_sessions (code, starts_at);

-- +goose Down
DROP INDEX training_sessions_code_idx;
DROP TABLE archive_objects;
ALTER TABLE projects DROP COLUMN grade, DROP COLUMN graded_at, DROP COLUMN terminated_at, DROP COLUMN earned_fen,
    DROP COLUMN clawback_fen, DROP COLUMN final_report_key, DROP COLUMN final_report_sha256, DROP COLUMN archived_at,
    DROP COLUMN manifest_key, DROP COLUMN manifest_sha256;
DROP TABLE evaluators;
DROP TABLE evaluations;
