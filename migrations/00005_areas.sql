-- +goose Up

-- The area tree: city → district → street (街道/乡镇) → community (社区/村).
-- Codes follow GB/T 2260 for the city and its districts; streets and
-- communities are added by administrators with their statistical codes.
CREATE TABLE areas (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
    parent_code text REFERENCES areas (code),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (parent_code, name),
    CHECK ((level = 'city') = (parent_code IS NULL))
);
CREATE INDEX areas_parent_idx ON areas (parent_code, code);

INSERT INTO areas (code, name, level, parent_code) VALUES ('120000', '天津市', 'city', NULL);
INSERT INTO areas (code, name, level, parent_code) VALUES
    ('120101', '和平区', 'district', '120000'),
    ('120102', '河东区', 'district', '120000'),
    ('120103', '河西区', 'district', '120000'),
    ('120104', '南开区', 'district', '120000'),
    ('120105', '河北区', 'district', '120000'),
    ('120106', '红桥区', 'district', '120000'),
    ('120110', '东丽区', 'district', '120000'),
    ('120111', '西青区', 'district', '120000'),
    ('120112', '津南区', 'district', '120000'),
    ('120113', '北辰区', 'district', '120000'),
    ('120114', '武清区', 'district', '120000'),
    ('120115', '宝坻区', 'district', '120000'),
    ('120116', '滨海新区', 'district', '120000'),
    ('120117', '宁河区', 'district', '120000'),
    ('120118', '静海区', 'district', '120000'),
    ('120119', '蓟州区', 'district', '120000');

-- A community or street reporter is tied to an area.
ALTER TABLE users ADD COLUMN area_code text REFERENCES areas (code);

-- +goose Down
ALTER TABLE users DROP COLUMN area_code;
DROP TABLE areas;
