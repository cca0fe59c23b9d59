-- +goose Up

-- Funded projects (立项项目), one per award; the ProjectWorkflow writes them.
CREATE SEQUENCE project_number_seq;
CREATE TABLE projects (
    id                 uuid PRIMARY KEY REFERENCES awards (id),
    call_id            uuid NOT NULL REFERENCES calls (id),
    number             text NOT NULL UNIQUE,
    org_id             bigint NOT NULL REFERENCES organisations (id),
    amount_fen         bigint NOT NULL CHECK (amount_fen > 0),
    tranches           jsonb NOT NULL,
    stage              text NOT NULL,
    terms              jsonb,
    contract_revision  int NOT NULL DEFAULT 0,
    contract_key       text,
    contract_sha256    text,
    org_confirmed_at   timestamptz,
    org_confirmed_by   bigint REFERENCES users (id),
    civil_confirmed_at timestamptz,
    civil_confirmed_by bigint REFERENCES users (id),
    contract_due       timestamptz NOT NULL,
    signed_at          timestamptz,
    published_at       timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX projects_org_idx ON projects (org_id, created_at DESC);
CREATE INDEX projects_stage_idx ON projects (stage, created_at DESC);
CREATE INDEX projects_call_idx ON projects (call_id);

-- +goose Down
DROP TABLE projects;
DROP SEQUENCE project_number_seq;
