-- +goose Up

-- 寸草心 team-to-institution pairing: a volunteer team (a school class, a
-- youth group; optionally of a volunteer organisation) is paired with an
-- elderly-care institution (养老机构) and visits it together; each visit
-- credits every participant's time bank.
CREATE TABLE institutions (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL,
    community_code text NOT NULL REFERENCES areas (code),
    district       text NOT NULL,
    address        text NOT NULL DEFAULT '',
    beds           integer NOT NULL DEFAULT 0 CHECK (beds >= 0),
    created_by     bigint NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now(),
    UNIQUE (community_code, name)
);
CREATE INDEX institutions_district_idx ON institutions (district, id);

CREATE TABLE teams (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name           text NOT NULL,
    brand          text NOT NULL,
    community_code text NOT NULL REFERENCES areas (code),
    district       text NOT NULL,
    org_id         bigint REFERENCES organisations (id),
    institution_id bigint REFERENCES institutions (id),
    paired_on      date,
    created_by     bigint NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX teams_community_idx ON teams (community_code, id);
CREATE INDEX teams_district_idx ON teams (district, id);
CREATE INDEX teams_institution_idx ON teams (institution_id);

CREATE TABLE team_members (
    team_id      bigint NOT NULL REFERENCES teams (id),
    volunteer_id bigint NOT NULL REFERENCES volunteers (id),
    PRIMARY KEY (team_id, volunteer_id)
);
CREATE INDEX team_members_volunteer_idx ON team_members (volunteer_id);

CREATE TABLE team_visits (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    team_id        bigint NOT NULL REFERENCES teams (id),
    institution_id bigint NOT NULL REFERENCES institutions (id),
    kind           text NOT NULL,
    visited_at     timestamptz NOT NULL,
    minutes        integer NOT NULL CHECK (minutes BETWEEN 5 AND 480),
    note           text NOT NULL DEFAULT '',
    recorded_by    bigint NOT NULL REFERENCES users (id),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX team_visits_team_idx ON team_visits (team_id, visited_at DESC);

CREATE TABLE team_visit_participants (
    visit_id     bigint NOT NULL REFERENCES team_visits (id),
    volunteer_id bigint NOT NULL REFERENCES volunteers (id),
    PRIMARY KEY (visit_id, volunteer_id)
);
CREATE INDEX team_visit_participants_volunteer_idx ON team_visit_participants (volunteer_id);

-- Every credit to a volunteer's time bank: visits on their own pairs, and
-- team visits they took part in.
CREATE VIEW volunteer_credits AS
    SELECT p.volunteer_id, x.id AS visit_id, 'pair' AS source, x.kind, x.visited_at, x.minutes, x.note,
           e.name AS counterpart, x.pair_id AS ref_id, x.created_at
    FROM visits x JOIN pairs p ON p.id = x.pair_id JOIN elderly e ON e.id = p.elder_id
    UNION ALL
    SELECT tp.volunteer_id, tv.id, 'team', tv.kind, tv.visited_at, tv.minutes, tv.note,
           i.name, tv.team_id, tv.created_at
    FROM team_visit_participants tp JOIN team_visits tv ON tv.id = tp.visit_id JOIN institutions i ON i.id = tv.institution_id;

-- +goose Down
DROP VIEW volunteer_credits;
DROP TABLE team_visit_participants;
DROP TABLE team_visits;
DROP TABLE team_members;
DROP TABLE teams;
DROP TABLE institutions;
