-- +goose Up

-- Training sessions of a funded project.
CREATE TABLE training_sessions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects (id),
    module     text NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz NOT NULL CHECK (ends_at > starts_at),
    place      text NOT NULL,
    trainer    text NOT NULL,
    hours      numeric(4,1) NOT NULL CHECK (hours > 0),
    code       text NOT NULL,
    created_by bigint NOT NULL REFERENCES users (id),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_sessions_project_idx ON training_sessions (project_id, starts_at, id);

-- Trainees (family caregivers). ID numbers and phones are sealed (internal/pii).
CREATE TABLE trainees (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id        uuid NOT NULL REFERENCES projects (id),
    name              text NOT NULL,
    id_sealed         text NOT NULL,
    phone_sealed      text NOT NULL DEFAULT '',
    relation          text NOT NULL,
    community         text NOT NULL,
    consent_at        timestamptz NOT NULL,
    guardian_name     text NOT NULL DEFAULT '',
    guardian_relation text NOT NULL DEFAULT '',
    created_by        bigint NOT NULL REFERENCES users (id),
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX trainees_project_idx ON trainees (project_id, id);

-- Attendance: one row per trainee and session; hours credited by the rule in
-- domain.CreditedHours.
CREATE TABLE attendance (
    session_id bigint NOT NULL REFERENCES training_sessions (id),
    trainee_id bigint NOT NULL REFERENCES trainees (id),
    project_id uuid NOT NULL REFERENCES projects (id),
    signed_in  timestamptz,
    signed_out timestamptz,
    hours      numeric(4,1) NOT NULL DEFAULT 0,
    source     text NOT NULL CHECK (source IN ('web', 'checkin', 'import')),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (session_id, trainee_id)
);
CREATE INDEX attendance_trainee_idx ON attendance (trainee_id);
CREATE INDEX attendance_project_idx ON attendance (project_id);

-- +goose Down
DROP TABLE attendance;
DROP TABLE trainees;
DROP TABLE training_sessions;
