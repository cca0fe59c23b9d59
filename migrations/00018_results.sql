-- +goose Up

-- Trainees' results and completion certificates.
ALTER TABLE trainees
    ADD COLUMN pre_score       numeric(5,1),
    ADD COLUMN post_score      numeric(5,1),
    ADD COLUMN practical_score numeric(5,1),
    ADD COLUMN satisfaction    int CHECK (satisfaction BETWEEN 1 AND 5),
    ADD COLUMN results_at      timestamptz,
    ADD COLUMN certificate_no  text UNIQUE,
    ADD COLUMN certified_at    timestamptz;

-- +goose Down
ALTER TABLE trainees DROP COLUMN pre_score, DROP COLUMN post_score, DROP COLUMN practical_score,
    DROP COLUMN satisfaction, DROP COLUMN results_at, DROP COLUMN certificate_no, DROP COLUMN certified_at;
