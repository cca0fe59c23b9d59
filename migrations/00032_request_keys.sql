-- +goose Up

-- An idempotency key is bound to the request it first came with (a digest
-- of its content): the same key sent again with the same content is the
-- same request (answered as the first was); with other content it is
-- refused and changes nothing. A request the workflow refused frees its key.
-- Writes done in one transaction (a session, a trainee) bind the key and
-- record what they created in that transaction.
CREATE TABLE request_keys (
    scope       text NOT NULL,
    key         uuid NOT NULL,
    user_id     bigint NOT NULL,
    body_sha256 text NOT NULL,
    result      text NOT NULL DEFAULT '', -- what the request created, for one written in the same transaction
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key)
);
CREATE INDEX request_keys_created_idx ON request_keys (created_at);

-- Certificates are numbered from a per-project counter, updated in the
-- issuing transaction (the row lock orders concurrent issues), not from
-- count(*)+1, which two issues at once read alike.
ALTER TABLE projects ADD COLUMN certificates_issued integer NOT NULL DEFAULT 0;
UPDATE projects p SET certificates_issued = (SELECT count(*) FROM trainees t WHERE t.project_id = p.id AND t.certificate_no IS NOT NULL);

-- +goose Down
ALTER TABLE projects DROP COLUMN certificates_issued;
DROP TABLE request_keys;
