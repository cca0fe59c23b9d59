-- +goose Up

-- Consent to the processing of personal data (个人信息保护法 §13-14, §31):
-- for what purpose, when, recorded by whom, and the guardian for people
-- under 14. Later capabilities (trainees, the elderly register) record
-- theirs here too.
CREATE TABLE consents (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject_type      text NOT NULL,
    subject_id        text NOT NULL,
    subject_name      text NOT NULL,
    purpose           text NOT NULL,
    given_at          timestamptz NOT NULL,
    recorded_by       bigint NOT NULL REFERENCES users (id),
    guardian_name     text NOT NULL DEFAULT '',
    guardian_relation text NOT NULL DEFAULT '',
    created_at        timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX consents_subject_idx ON consents (subject_type, subject_id, given_at DESC);

-- +goose Down
DROP TABLE consents;
