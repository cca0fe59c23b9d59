package store

import (
	"context"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// InsertInstitution registers an elderly-care institution.
func (s *Store) InsertInstitution(ctx context.Context, e domain.InstitutionEntry, district string, by domain.Actor) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO institutions (name, community_code, district, address, beds, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, e.Name, e.CommunityCode, district, e.Address, e.Beds, by.UserID).Scan(&id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "institution.register", ObjectType: "institution", ObjectID: strconv.FormatInt(id, 10),
			Summary: map[string]any{"name": e.Name, "community": e.CommunityCode}})
	})
	return id, mapErr("insert institution", err)
}

// Institutions lists the institutions of a scope with how many teams each
// is paired with.
func (s *Store) Institutions(ctx context.Context, district, areaPrefix string) ([]domain.Institution, error) {
	rows, err := s.pool.Query(ctx, `SELECT i.id, i.name, i.community_code, i.district, i.address, i.beds,
			(SELECT count(*) FROM teams t WHERE t.institution_id = i.id)
		FROM institutions i WHERE ($1 = '' OR i.district = $1) AND ($2 = '' OR i.community_code LIKE $2 || '%') ORDER BY i.id LIMIT 500`,
		district, areaPrefix)
	if err != nil {
		return nil, mapErr("institutions", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Institution, error) {
		var i domain.Institution
		return i, r.Scan(&i.ID, &i.Name, &i.CommunityCode, &i.District, &i.Address, &i.Beds, &i.Teams)
	})
	return out, mapErr("institutions", err)
}

// Institution returns one institution.
func (s *Store) Institution(ctx context.Context, id int64) (domain.Institution, error) {
	var i domain.Institution
	err := s.pool.QueryRow(ctx, `SELECT id, name, community_code, district, address, beds FROM institutions WHERE id = $1`, id).
		Scan(&i.ID, &i.Name, &i.CommunityCode, &i.District, &i.Address, &i.Beds)
	return i, mapErr("institution", err)
}

// InsertTeam registers a team with its members.
func (s *Store) InsertTeam(ctx context.Context, t domain.TeamEntry, district string, by domain.Actor) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var org *int64
		if t.OrgID != 0 {
			org = &t.OrgID
		}
		if err := tx.QueryRow(ctx, `INSERT INTO teams (name, brand, community_code, district, org_id, created_by)
			VALUES ($1, 'cuncaoxin', $2, $3, $4, $5) RETURNING id`, t.Name, t.CommunityCode, district, org, by.UserID).Scan(&id); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, volunteer_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
			id, t.Members); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "team.register", ObjectType: "team", ObjectID: strconv.FormatInt(id, 10),
			Summary: map[string]any{"name": t.Name, "members": len(t.Members)}})
	})
	return id, mapErr("insert team", err)
}

const teamColumns = `t.id, t.name, t.community_code, t.district, coalesce(t.org_id, 0), coalesce(t.institution_id, 0), coalesce(i.name, ''),
	t.paired_on, (SELECT count(*) FROM team_members m WHERE m.team_id = t.id),
	coalesce((SELECT sum(v.minutes) FROM team_visits v JOIN team_visit_participants p ON p.visit_id = v.id WHERE v.team_id = t.id), 0)`

func scanTeam(r pgx.Row) (domain.Team, error) {
	var t domain.Team
	var paired *time.Time
	var minutes int
	err := r.Scan(&t.ID, &t.Name, &t.CommunityCode, &t.District, &t.OrgID, &t.InstitutionID, &t.InstitutionName, &paired, &t.Members, &minutes)
	if paired != nil {
		t.PairedOn = *paired
	}
	t.Hours = domain.Hours(minutes)
	return t, err
}

// Teams lists the teams of a scope.
func (s *Store) Teams(ctx context.Context, district, areaPrefix string) ([]domain.Team, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+teamColumns+` FROM teams t LEFT JOIN institutions i ON i.id = t.institution_id
		WHERE ($1 = '' OR t.district = $1) AND ($2 = '' OR t.community_code LIKE $2 || '%') ORDER BY t.id LIMIT 500`, district, areaPrefix)
	if err != nil {
		return nil, mapErr("teams", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Team, error) { return scanTeam(r) })
	return out, mapErr("teams", err)
}

// Team returns one team.
func (s *Store) Team(ctx context.Context, id int64) (domain.Team, error) {
	t, err := scanTeam(s.pool.QueryRow(ctx, `SELECT `+teamColumns+` FROM teams t LEFT JOIN institutions i ON i.id = t.institution_id WHERE t.id = $1`, id))
	return t, mapErr("team", err)
}

// TeamMembers lists a team's members (phones sealed).
func (s *Store) TeamMembers(ctx context.Context, teamID int64) ([]domain.Volunteer, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+volunteerColumns+` FROM volunteers v JOIN team_members m ON m.volunteer_id = v.id
		WHERE m.team_id = $1 ORDER BY v.id`, teamID)
	if err != nil {
		return nil, mapErr("team members", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Volunteer, error) { return scanVolunteer(r) })
	return out, mapErr("team members", err)
}

// PairTeam pairs a team with an institution (a new pairing replaces the old).
func (s *Store) PairTeam(ctx context.Context, teamID, institutionID int64, by domain.Actor) error {
	return mapErr("pair team", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE teams SET institution_id = $2, paired_on = current_date WHERE id = $1`, teamID, institutionID); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "team.pair", ObjectType: "team", ObjectID: strconv.FormatInt(teamID, 10),
			Summary: map[string]any{"institution": institutionID}})
	}))
}

// InsertTeamVisit logs a team's visit to its institution; every
// participant (a member of the team) is credited.
func (s *Store) InsertTeamVisit(ctx context.Context, v domain.TeamVisitEntry, institutionID int64, by domain.Actor) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO team_visits (team_id, institution_id, kind, visited_at, minutes, note, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, v.TeamID, institutionID, v.Kind, v.VisitedAt, v.Minutes, v.Note, by.UserID).Scan(&id); err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `INSERT INTO team_visit_participants (visit_id, volunteer_id)
			SELECT $1, m.volunteer_id FROM team_members m WHERE m.team_id = $2 AND m.volunteer_id = ANY($3)`, id, v.TeamID, v.Participants)
		if err != nil {
			return err
		}
		if int(tag.RowsAffected()) != len(v.Participants) {
			return domain.FieldErrors{"participants": "参加者须是本服务队的队员。"}.Err()
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "team.visit", ObjectType: "team", ObjectID: strconv.FormatInt(v.TeamID, 10),
			Summary: map[string]any{"visit": id, "kind": v.Kind, "minutes": v.Minutes, "participants": len(v.Participants)}})
	})
	if domain.ErrorCode(err) == domain.CodeInvalid {
		return 0, err
	}
	return id, mapErr("insert team visit", err)
}

// VolunteersOfBrand lists up to limit volunteers of a brand in a scope.
func (s *Store) VolunteersOfBrand(ctx context.Context, district, areaPrefix string, brand domain.Brand, limit int) ([]domain.Volunteer, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+volunteerColumns+` FROM volunteers v
		WHERE ($1 = '' OR v.district = $1) AND ($2 = '' OR v.community_code LIKE $2 || '%') AND v.brand = $3 ORDER BY v.id LIMIT $4`,
		district, areaPrefix, brand, limit)
	if err != nil {
		return nil, mapErr("volunteers of brand", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Volunteer, error) { return scanVolunteer(r) })
	return out, mapErr("volunteers of brand", err)
}
