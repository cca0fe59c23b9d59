-- +goose Up

-- A supplier's objection is written by the service before the workflow
-- decides on it (pending), and filed when the workflow accepts it: the
-- workflow's history carries its ID, never its text or contact. org_id is
-- the supplier that filed it (政府采购法 §52: suppliers who took part).
ALTER TABLE objections
    ADD COLUMN org_id bigint REFERENCES organisations (id),
    ADD COLUMN filed boolean NOT NULL DEFAULT true;
CREATE INDEX objections_pending_idx ON objections (filed_at) WHERE NOT filed;

-- Opinions of the public on a result under publicity: answered by civil
-- affairs, never holding the award; bounded per call and rate-limited per
-- client address here, so every web replica counts the same rows.
CREATE TABLE public_comments (
    id              uuid PRIMARY KEY,
    call_id         uuid NOT NULL REFERENCES calls (id),
    name            text NOT NULL,
    contact_sealed  text NOT NULL,
    body            text NOT NULL,
    attachment_key  text NOT NULL DEFAULT '',
    client_hash     text NOT NULL,
    user_id         bigint REFERENCES users (id),
    filed_at        timestamptz NOT NULL DEFAULT now(),
    answer          text NOT NULL DEFAULT '',
    answered_by     bigint REFERENCES users (id),
    answered_at     timestamptz
);
CREATE INDEX public_comments_call_idx ON public_comments (call_id, filed_at);
CREATE INDEX public_comments_client_idx ON public_comments (call_id, client_hash, filed_at);

-- +goose Down
DROP TABLE public_comments;
DROP INDEX objections_pending_idx;
ALTER TABLE objections DROP COLUMN filed, DROP COLUMN org_id;
