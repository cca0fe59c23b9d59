-- +goose Up

-- Details of an audit entry that the law keeps secret for a time (a bid's
-- digests and bidder before opening, a panel's experts and their scores
-- before the result's publicity). The entry's readable summary holds only
-- detail_sha256, the SHA-256 of a random salt and these details, so the
-- hash chain binds them; the details and the salt are sealed under the PII
-- keyring here (re-sealed on key rotation, hence not in the append-only
-- audit_log itself).
CREATE TABLE audit_details (
    seq           bigint PRIMARY KEY REFERENCES audit_log (seq),
    detail_sealed text NOT NULL
);

-- +goose Down
DROP TABLE audit_details;
