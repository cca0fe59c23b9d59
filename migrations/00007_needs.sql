-- +goose Up

-- The needs library (需求库): needs that community workers find on visits.
CREATE TABLE needs (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    community_code text NOT NULL REFERENCES areas (code),
    street_code    text NOT NULL REFERENCES areas (code),
    district       text NOT NULL,
    quarter        text NOT NULL,
    category       text NOT NULL,
    urgency        text NOT NULL CHECK (urgency IN ('high', 'medium', 'low')),
    affected       jsonb NOT NULL,
    description    text NOT NULL,
    recorded_by    bigint NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX needs_street_quarter_idx ON needs (street_code, quarter, id);
CREATE INDEX needs_district_quarter_idx ON needs (district, quarter, created_at DESC, id);
CREATE INDEX needs_created_idx ON needs (created_at DESC, id);

-- A street's quarterly reporting cycle, owned by a StreetReportWorkflow.
CREATE TABLE report_cycles (
    street_code  text NOT NULL REFERENCES areas (code),
    quarter      text NOT NULL,
    district     text NOT NULL,
    status       text NOT NULL CHECK (status IN ('open', 'late', 'submitted')),
    opens_at     timestamptz NOT NULL,
    deadline     timestamptz NOT NULL,
    reminded_at  timestamptz,
    submitted_at timestamptz,
    submitted_by bigint REFERENCES users (id),
    late         boolean NOT NULL DEFAULT false,
    rollup       jsonb,
    PRIMARY KEY (street_code, quarter)
);
CREATE INDEX report_cycles_district_idx ON report_cycles (district, quarter, street_code);

-- +goose Down
DROP TABLE report_cycles;
DROP TABLE needs;
