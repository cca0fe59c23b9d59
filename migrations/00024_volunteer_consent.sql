-- +goose Up

-- Volunteers' consent to processing their personal data, and a guardian's
-- for children under 14 (寸草心 pupils, PIPL §31). Rows from before have no
-- recorded consent (consent_at NULL) and show so.
ALTER TABLE volunteers
    ADD COLUMN consent_at        timestamptz,
    ADD COLUMN guardian_name     text NOT NULL DEFAULT '',
    ADD COLUMN guardian_relation text NOT NULL DEFAULT '';
CREATE INDEX volunteers_org_idx ON volunteers (org_id) WHERE org_id IS NOT NULL;

-- +goose Down
DROP INDEX volunteers_org_idx;
ALTER TABLE volunteers DROP COLUMN consent_at, DROP COLUMN guardian_name, DROP COLUMN guardian_relation;
