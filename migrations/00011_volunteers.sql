-- +goose Up

-- The volunteers register, pairs (结对) and visit logs that credit volunteer
-- hours (志愿服务时间储蓄).
CREATE TABLE volunteers (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL,
    phone_sealed   text NOT NULL,
    birth_year     integer NOT NULL,
    community_code text NOT NULL REFERENCES areas (code),
    district       text NOT NULL,
    brand          text NOT NULL,
    org_id         bigint REFERENCES organisations (id),
    created_by     bigint NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX volunteers_community_idx ON volunteers (community_code, id);
CREATE INDEX volunteers_district_idx ON volunteers (district, id);

CREATE TABLE pairs (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    volunteer_id bigint NOT NULL REFERENCES volunteers (id),
    elder_id     bigint NOT NULL REFERENCES elderly (id),
    started_on   date NOT NULL DEFAULT current_date,
    ended_on     date,
    created_by   bigint NOT NULL REFERENCES users (id),
    UNIQUE (volunteer_id, elder_id)
);
CREATE INDEX pairs_elder_idx ON pairs (elder_id);

CREATE TABLE visits (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pair_id     bigint NOT NULL REFERENCES pairs (id),
    kind        text NOT NULL,
    visited_at  timestamptz NOT NULL,
    minutes     integer NOT NULL CHECK (minutes BETWEEN 5 AND 480),
    note        text NOT NULL DEFAULT '',
    recorded_by bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX visits_pair_idx ON visits (pair_id, visited_at DESC);

-- +goose Down
DROP TABLE visits;
DROP TABLE pairs;
DROP TABLE volunteers;
