-- +goose Up

-- Tranche payments of a funded project: civil affairs confirms the condition,
-- finance records the payment with its voucher.
CREATE TABLE project_tranches (
    project_id     uuid NOT NULL REFERENCES projects (id),
    tranche        int NOT NULL CHECK (tranche >= 0),
    amount_fen     bigint NOT NULL CHECK (amount_fen > 0),
    confirmed_at   timestamptz,
    confirmed_by   bigint REFERENCES users (id),
    paid_at        timestamptz,
    paid_by        bigint REFERENCES users (id),
    voucher_no     text NOT NULL DEFAULT '',
    voucher_key    text NOT NULL DEFAULT '',
    voucher_sha256 text NOT NULL DEFAULT '',
    PRIMARY KEY (project_id, tranche)
);
-- Payments never exceed the award: checked in the workflow and here.
-- +goose StatementBegin
CREATE FUNCTION project_tranches_within_award() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF (SELECT coalesce(sum(amount_fen), 0) FROM project_tranches WHERE project_id = NEW.project_id AND paid_at IS NOT NULL)
       > (SELECT amount_fen FROM projects WHERE id = NEW.project_id) THEN
        RAISE EXCEPTION 'payments of project % exceed its award', NEW.project_id USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE CONSTRAINT TRIGGER project_tranches_within_award AFTER INSERT OR UPDATE ON project_tranches
    DEFERRABLE INITIALLY IMMEDIATE FOR EACH ROW EXECUTE FUNCTION project_tranches_within_award();

-- +goose Down
DROP TABLE project_tranches;
DROP FUNCTION project_tranches_within_award();
