-- +goose Up

-- The elderly register (老年人名册): people 60+ by category. Highly
-- sensitive: ID numbers and phones sealed, shown masked, full views audited.
CREATE TABLE elderly (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL,
    id_sealed      text NOT NULL,
    phone_sealed   text NOT NULL DEFAULT '',
    community_code text NOT NULL REFERENCES areas (code),
    district       text NOT NULL,
    categories     text[] NOT NULL,
    address        text NOT NULL DEFAULT '',
    birth_year     integer NOT NULL,
    imported_by    bigint NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX elderly_community_idx ON elderly (community_code, id);
CREATE INDEX elderly_district_idx ON elderly (district, id);
CREATE INDEX elderly_categories_idx ON elderly USING gin (categories);

-- +goose Down
DROP TABLE elderly;
