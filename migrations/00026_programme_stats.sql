-- +goose Up

-- The programme dashboard totals a year's projects; the funded-projects list
-- pages by creation time.
CREATE INDEX projects_created_idx ON projects (created_at DESC, id);

-- +goose Down
DROP INDEX projects_created_idx;
