-- +goose Up

-- A panel draw is keyed by its workflow run and step: a retried DrawPanel
-- returns the experts it already drew instead of drawing again.
ALTER TABLE panel_members ADD COLUMN draw_key text;
CREATE INDEX panel_members_draw_idx ON panel_members (call_id, draw_key) WHERE draw_key IS NOT NULL;

-- The moment a project's archive was first begun: a retried archive writes
-- the same package (same dates, same bytes) and skips what is already in
-- the locked bucket.
ALTER TABLE projects ADD COLUMN archive_started_at timestamptz;

-- No live bid once the call's opening is recorded or its deadline passed,
-- by the database's clock at the moment of writing. The call's row is
-- locked (shared) so the opening, which locks it for update, either
-- reads this bid or runs after and makes it impossible.
-- +goose StatementBegin
CREATE FUNCTION bids_before_opening() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM calls WHERE id = NEW.call_id AND opened_at IS NULL AND bid_deadline > clock_timestamp() FOR SHARE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'bid % on call % after its opening or deadline', NEW.id, NEW.call_id USING ERRCODE = 'GF001';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER bids_before_opening BEFORE INSERT OR UPDATE OF status ON bids
    FOR EACH ROW WHEN (NEW.status = 'submitted') EXECUTE FUNCTION bids_before_opening();

-- +goose Down
DROP TRIGGER bids_before_opening ON bids;
DROP FUNCTION bids_before_opening();
ALTER TABLE projects DROP COLUMN archive_started_at;
DROP INDEX panel_members_draw_idx;
ALTER TABLE panel_members DROP COLUMN draw_key;
