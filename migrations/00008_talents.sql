-- +goose Up

-- The talent library (人才库), four levels: experts (the pool for panels and
-- evaluations), volunteer leaders, heads of volunteer organisations,
-- philanthropists. employment and relations feed automatic recusal.
CREATE TABLE talents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text NOT NULL,
    name         text NOT NULL,
    level        text NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
    district     text NOT NULL,
    title        text NOT NULL DEFAULT '',
    employer     text NOT NULL DEFAULT '',
    phone_sealed text NOT NULL DEFAULT '',
    fields       text[] NOT NULL DEFAULT '{}',
    employment   jsonb NOT NULL DEFAULT '[]',
    relations    jsonb NOT NULL DEFAULT '[]',
    available    boolean NOT NULL DEFAULT true,
    user_id      bigint UNIQUE REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX talents_kind_idx ON talents (kind, available, district, id);
CREATE INDEX talents_fields_idx ON talents USING gin (fields);

-- +goose Down
DROP TABLE talents;
