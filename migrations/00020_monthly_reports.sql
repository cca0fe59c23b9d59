-- +goose Up

-- The organisation's monthly progress reports, with the indicators as they
-- stood when filed.
CREATE TABLE progress_reports (
    project_id uuid NOT NULL REFERENCES projects (id),
    month      text NOT NULL CHECK (month ~ '^[0-9]{4}-[0-9]{2}$'),
    summary    text NOT NULL,
    problems   text NOT NULL DEFAULT '',
    kpis       jsonb NOT NULL,
    filed_by   bigint NOT NULL REFERENCES users (id),
    filed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (project_id, month)
);

-- +goose Down
DROP TABLE progress_reports;
