-- +goose Up

-- The register is updated each quarter by importing the community's list
-- again: a person already on it (found by the blind index of their
-- 身份证号, internal/pii Index) is updated, not added twice. Rows from
-- before get their index from `grantflow migrate` (it brings every sealed
-- value and blind index under the current key).
ALTER TABLE elderly ADD COLUMN id_index text, ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
CREATE UNIQUE INDEX elderly_id_index_idx ON elderly (id_index) WHERE id_index IS NOT NULL;

-- +goose Down
DROP INDEX elderly_id_index_idx;
ALTER TABLE elderly DROP COLUMN id_index, DROP COLUMN updated_at;
