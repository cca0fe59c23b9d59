-- +goose Up

-- A call notice that cannot be rendered says so (it used to show "being
-- generated" forever while the activity retried): the reason is kept here
-- until a later revision renders, and the call cannot be submitted or
-- published meanwhile.
ALTER TABLE calls ADD COLUMN notice_error text NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE calls DROP COLUMN notice_error;
