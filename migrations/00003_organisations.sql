-- +goose Up

-- Social organisations (社会组织) that register themselves and bid. Personal
-- data (the legal representative's ID number, phones) is sealed by
-- internal/pii before it reaches this table; *_sealed columns hold
-- "keyid.ciphertext".
CREATE TABLE organisations (
    id                 bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name               text NOT NULL,
    uscc               text NOT NULL UNIQUE,
    org_type           text NOT NULL,
    legal_rep_name     text NOT NULL,
    legal_rep_id_sealed text NOT NULL,
    contact_name       text NOT NULL,
    contact_phone_sealed text NOT NULL,
    district           text NOT NULL,
    status             text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'verified', 'rejected')),
    review_reason      text NOT NULL DEFAULT '',
    reviewed_by        bigint REFERENCES users (id),
    reviewed_at        timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisations_status_idx ON organisations (status, created_at DESC, id);
CREATE INDEX organisations_district_idx ON organisations (district, created_at DESC, id);
CREATE INDEX organisations_created_idx ON organisations (created_at DESC, id);

-- Qualification documents (登记证书, 章程, …) in object storage.
CREATE TABLE organisation_documents (
    id           uuid PRIMARY KEY,
    org_id       bigint NOT NULL REFERENCES organisations (id),
    file_name    text NOT NULL,
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL,
    sha256       text NOT NULL,
    object_key   text NOT NULL,
    uploaded_by  bigint REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX organisation_documents_org_idx ON organisation_documents (org_id, created_at);

-- The debarment list (禁入名单): an organisation may not bid while a
-- debarment covers today.
CREATE TABLE debarments (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    org_id      bigint NOT NULL REFERENCES organisations (id),
    reason      text NOT NULL,
    starts_on   date NOT NULL,
    ends_on     date NOT NULL CHECK (ends_on >= starts_on),
    created_by  bigint NOT NULL REFERENCES users (id),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX debarments_org_idx ON debarments (org_id, ends_on DESC);

-- An organisation member belongs to one organisation.
ALTER TABLE users ADD COLUMN org_id bigint REFERENCES organisations (id);
CREATE INDEX users_org_idx ON users (org_id);

-- +goose Down
ALTER TABLE users DROP COLUMN org_id;
DROP TABLE debarments;
DROP TABLE organisation_documents;
DROP TABLE organisations;
