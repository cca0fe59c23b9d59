-- +goose Up

-- A bidder's written request that an expert step aside (实施条例 §9), and
-- civil affairs' decision on it.
CREATE TABLE recusal_requests (
    id          uuid PRIMARY KEY,
    call_id     uuid NOT NULL REFERENCES calls (id),
    org_id      bigint NOT NULL REFERENCES organisations (id),
    reason      text NOT NULL,
    filed_by    bigint NOT NULL REFERENCES users (id),
    filed_at    timestamptz NOT NULL DEFAULT now(),
    upheld      boolean,
    seat        int,
    answer      text NOT NULL DEFAULT '',
    decided_by  bigint REFERENCES users (id),
    decided_at  timestamptz
);
CREATE INDEX recusal_requests_call_idx ON recusal_requests (call_id, filed_at);

-- A complaint (投诉) to finance about an objection's answer (政府采购法 §55).
ALTER TABLE objections
    ADD COLUMN kind text NOT NULL DEFAULT 'objection' CHECK (kind IN ('objection', 'complaint')),
    ADD COLUMN complaint_of uuid REFERENCES objections (id);

-- +goose Down
ALTER TABLE objections DROP COLUMN complaint_of, DROP COLUMN kind;
DROP TABLE recusal_requests;
