-- +goose Up

-- Phone spot-checks of trainees by civil affairs.
CREATE TABLE spot_checks (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    project_id uuid NOT NULL REFERENCES projects (id),
    trainee_id bigint NOT NULL REFERENCES trainees (id),
    outcome    text NOT NULL CHECK (outcome IN ('confirmed', 'discrepancy', 'unreachable')),
    note       text NOT NULL DEFAULT '',
    checked_by bigint NOT NULL REFERENCES users (id),
    checked_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX spot_checks_project_idx ON spot_checks (project_id, checked_at DESC);

-- +goose Down
DROP TABLE spot_checks;
