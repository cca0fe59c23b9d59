-- +goose Up

-- The working-day calendar (DOMAIN.md §7): the State Council's holiday
-- schedule as data an admin edits. A year not in calendar_years falls back
-- to Monday–Friday.
CREATE TABLE calendar_days (
    day  date PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('off', 'work')),
    name text NOT NULL DEFAULT ''
);
CREATE TABLE calendar_years (
    year      int PRIMARY KEY,
    loaded_at timestamptz NOT NULL DEFAULT now()
);

-- A call's rules (mode, rubric, tranches, publicity, panel) and the dates the
-- workflow set. plan is domain.Plan; results is the scoring (domain.BidResult).
ALTER TABLE calls
    ADD COLUMN mode            text NOT NULL DEFAULT 'competition' CHECK (mode IN ('competition', 'consultation', 'tender')),
    ADD COLUMN plan            jsonb NOT NULL DEFAULT '{}',
    ADD COLUMN reissue_of      uuid REFERENCES calls (id),
    ADD COLUMN published_at    timestamptz,
    ADD COLUMN bid_deadline    timestamptz,
    ADD COLUMN opened_at       timestamptz,
    ADD COLUMN scoring_due     timestamptz,
    ADD COLUMN publicity_from  timestamptz,
    ADD COLUMN publicity_until timestamptz,
    ADD COLUMN objection_until timestamptz,
    ADD COLUMN awarded_at      timestamptz,
    ADD COLUMN stage_note      text NOT NULL DEFAULT '',
    ADD COLUMN opening_key     text,
    ADD COLUMN opening_sha256  text,
    ADD COLUMN report_key      text,
    ADD COLUMN report_sha256   text,
    ADD COLUMN results         jsonb;
CREATE INDEX calls_reissue_idx ON calls (reissue_of) WHERE reissue_of IS NOT NULL;
CREATE INDEX calls_public_idx ON calls (published_at DESC, id) WHERE published_at IS NOT NULL;

-- Each call's HPKE key pair (internal/seal). private_sealed is the private key
-- sealed under the PII keyring; it is released only after opened_at is set,
-- and set to NULL (crypto-shredded) when a call is cancelled before opening.
CREATE TABLE call_keys (
    call_id        uuid PRIMARY KEY REFERENCES calls (id),
    public_key     bytea NOT NULL,
    private_sealed text,
    destroyed_at   timestamptz
);

-- Approvals and rejections of a call: publication, the two award steps.
CREATE TABLE call_decisions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id    uuid NOT NULL REFERENCES calls (id),
    step       text NOT NULL CHECK (step IN ('submit', 'publish', 'civil', 'finance')),
    approve    boolean NOT NULL,
    reason     text NOT NULL DEFAULT '',
    by_user    bigint NOT NULL REFERENCES users (id),
    by_name    text NOT NULL,
    request_id text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_decisions_call_idx ON call_decisions (call_id, id);

-- Clarifications (答疑/澄清), published to every bidder.
CREATE TABLE clarifications (
    id             uuid PRIMARY KEY,
    call_id        uuid NOT NULL REFERENCES calls (id),
    title          text NOT NULL,
    body           text NOT NULL,
    material       boolean NOT NULL,
    deadline_from  timestamptz NOT NULL,
    deadline_to    timestamptz NOT NULL,
    published_by   bigint NOT NULL REFERENCES users (id),
    published_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX clarifications_call_idx ON clarifications (call_id, published_at);

-- Bids. Every part is sealed in object storage (parts: domain.PartDigest plus
-- object keys); nothing readable is kept here before opening. price_fen,
-- digests_ok and qualification are written after opening.
CREATE TABLE bids (
    id             uuid PRIMARY KEY,
    call_id        uuid NOT NULL REFERENCES calls (id),
    org_id         bigint NOT NULL REFERENCES organisations (id),
    version        int NOT NULL,
    status         text NOT NULL CHECK (status IN ('submitted', 'replaced', 'withdrawn', 'discarded', 'opened')),
    parts          jsonb NOT NULL,
    submitted_by   bigint NOT NULL REFERENCES users (id),
    submitted_at   timestamptz NOT NULL DEFAULT now(),
    price_fen      bigint,
    digests_ok     boolean,
    qualified      boolean,
    qualify_reason text NOT NULL DEFAULT '',
    UNIQUE (call_id, org_id, version)
);
CREATE UNIQUE INDEX bids_one_live_idx ON bids (call_id, org_id) WHERE status IN ('submitted', 'opened');
CREATE INDEX bids_call_idx ON bids (call_id, status, submitted_at);
CREATE INDEX bids_org_idx ON bids (org_id, submitted_at DESC);

-- The panel: every expert drawn, excluded for a tie, recused or confirmed.
CREATE TABLE panel_members (
    call_id     uuid NOT NULL REFERENCES calls (id),
    talent_id   bigint NOT NULL REFERENCES talents (id),
    user_id     bigint REFERENCES users (id),
    seq         int NOT NULL,
    status      text NOT NULL CHECK (status IN ('excluded', 'drawn', 'confirmed', 'recused')),
    reason      text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now(),
    declared_at timestamptz,
    PRIMARY KEY (call_id, talent_id)
);
CREATE INDEX panel_members_user_idx ON panel_members (user_id, call_id);

-- Expert scores per bid.
CREATE TABLE scores (
    call_id      uuid NOT NULL REFERENCES calls (id),
    bid_id       uuid NOT NULL REFERENCES bids (id),
    expert       bigint NOT NULL REFERENCES users (id),
    points       jsonb NOT NULL,
    comment      text NOT NULL,
    submitted_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bid_id, expert)
);
CREATE INDEX scores_call_idx ON scores (call_id, expert);

-- Challenges (质疑) to a result under publicity, and their answers.
CREATE TABLE objections (
    id              uuid PRIMARY KEY,
    call_id         uuid NOT NULL REFERENCES calls (id),
    name            text NOT NULL,
    contact_sealed  text NOT NULL,
    reason          text NOT NULL,
    attachment_key  text NOT NULL DEFAULT '',
    filed_at        timestamptz NOT NULL DEFAULT now(),
    upheld          boolean,
    answer          text NOT NULL DEFAULT '',
    return_to       text NOT NULL DEFAULT '',
    answered_by     bigint REFERENCES users (id),
    answered_at     timestamptz
);
CREATE INDEX objections_call_idx ON objections (call_id, filed_at);

-- Awards: one per winning bid; the project workflow takes it from here.
CREATE TABLE awards (
    id            uuid PRIMARY KEY,
    call_id       uuid NOT NULL REFERENCES calls (id),
    bid_id        uuid NOT NULL UNIQUE REFERENCES bids (id),
    org_id        bigint NOT NULL REFERENCES organisations (id),
    amount_fen    bigint NOT NULL CHECK (amount_fen > 0),
    rank          int NOT NULL,
    notice_key    text NOT NULL,
    notice_sha256 text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX awards_call_idx ON awards (call_id, rank);
CREATE INDEX awards_org_idx ON awards (org_id, created_at DESC);

-- Messages: to an organisation's members (bid receipts, outcomes) or to the
-- staff of a role in a district (reminders of legal time limits).
CREATE TABLE notices (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    call_id    uuid REFERENCES calls (id),
    org_id     bigint REFERENCES organisations (id),
    user_id    bigint REFERENCES users (id),
    role       text,
    district   text,
    kind       text NOT NULL,
    text       text NOT NULL,
    dedup_key  text NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX notices_org_idx ON notices (org_id, created_at DESC) WHERE org_id IS NOT NULL;
CREATE INDEX notices_user_idx ON notices (user_id, created_at DESC) WHERE user_id IS NOT NULL;
CREATE INDEX notices_role_idx ON notices (role, district, created_at DESC) WHERE role IS NOT NULL;

-- Unfunded bids return to the project library with their source.
ALTER TABLE proposals ADD COLUMN bid_id uuid REFERENCES bids (id);
CREATE UNIQUE INDEX proposals_bid_idx ON proposals (bid_id) WHERE bid_id IS NOT NULL;

-- +goose Down
DROP INDEX proposals_bid_idx;
ALTER TABLE proposals DROP COLUMN bid_id;
DROP TABLE notices;
DROP TABLE awards;
DROP TABLE objections;
DROP TABLE scores;
DROP TABLE panel_members;
DROP TABLE bids;
DROP TABLE clarifications;
DROP TABLE call_decisions;
DROP TABLE call_keys;
DROP INDEX calls_public_idx;
DROP INDEX calls_reissue_idx;
ALTER TABLE calls DROP COLUMN mode, DROP COLUMN plan, DROP COLUMN reissue_of, DROP COLUMN published_at,
    DROP COLUMN bid_deadline, DROP COLUMN opened_at, DROP COLUMN scoring_due, DROP COLUMN publicity_from,
    DROP COLUMN publicity_until, DROP COLUMN objection_until, DROP COLUMN awarded_at, DROP COLUMN stage_note,
    DROP COLUMN opening_key, DROP COLUMN opening_sha256, DROP COLUMN report_key, DROP COLUMN report_sha256,
    DROP COLUMN results;
DROP TABLE calendar_years;
DROP TABLE calendar_days;
