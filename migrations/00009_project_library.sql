-- +goose Up

-- Venture ideas (公益创投创意) from universities and institutes.
CREATE TABLE ideas (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title        text NOT NULL,
    summary      text NOT NULL,
    brand        text NOT NULL,
    district     text NOT NULL,
    institution  text NOT NULL DEFAULT '',
    need_ids     bigint[] NOT NULL,
    status       text NOT NULL CHECK (status IN ('submitted', 'adopted', 'declined')),
    reason       text NOT NULL DEFAULT '',
    submitted_by bigint NOT NULL REFERENCES users (id),
    proposal_id  bigint,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ideas_status_idx ON ideas (status, created_at DESC, id);
CREATE INDEX ideas_submitter_idx ON ideas (submitted_by, created_at DESC);

-- The project library (项目库): proposals a call draws from.
CREATE TABLE proposals (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    title       text NOT NULL,
    summary     text NOT NULL,
    brand       text NOT NULL,
    district    text NOT NULL,
    institution text NOT NULL DEFAULT '',
    need_ids    bigint[] NOT NULL,
    status      text NOT NULL CHECK (status IN ('candidate', 'in_call', 'funded', 'returned_unfunded')),
    idea_id     bigint REFERENCES ideas (id),
    created_by  bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX proposals_status_idx ON proposals (status, district, created_at DESC, id);

-- +goose Down
DROP TABLE proposals;
DROP TABLE ideas;
