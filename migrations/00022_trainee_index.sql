-- +goose Up

-- A blind index of each trainee's 身份证号 (internal/pii Index): the same
-- person cannot be enrolled twice in a project, and nobody can read the
-- number from the index. Rows from before have none until
-- `grantflow pii rotate` computes them.
ALTER TABLE trainees ADD COLUMN id_index text;
CREATE UNIQUE INDEX trainees_id_index_idx ON trainees (project_id, id_index) WHERE id_index IS NOT NULL;

-- +goose Down
DROP INDEX trainees_id_index_idx;
ALTER TABLE trainees DROP COLUMN id_index;
