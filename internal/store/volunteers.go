package store

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// InsertVolunteer registers a volunteer (phone sealed).
func (s *Store) InsertVolunteer(ctx context.Context, v domain.VolunteerEntry, district string, by domain.Actor) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var org *int64
		if v.OrgID != 0 {
			org = &v.OrgID
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO volunteers (name, phone_sealed, birth_year, community_code, district, brand, org_id, created_by,
				consent_at, guardian_name, guardian_relation)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, now(), $9, $10) RETURNING id`,
			v.Name, v.Phone, v.BirthYear, v.CommunityCode, district, v.Brand, org, by.UserID, v.GuardianName, v.GuardianRelation).Scan(&id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "volunteer.register", ObjectType: "volunteer", ObjectID: strconv.FormatInt(id, 10),
			Summary: map[string]any{"community": v.CommunityCode, "brand": v.Brand, "consent": true, "guardian": v.GuardianName != ""}})
	})
	return id, mapErr("insert volunteer", err)
}

const volunteerColumns = `v.id, v.name, v.phone_sealed, v.birth_year, v.community_code, v.district, v.brand, coalesce(v.org_id, 0),
	coalesce((SELECT sum(c.minutes) FROM volunteer_credits c WHERE c.volunteer_id = v.id), 0),
	v.consent_at IS NOT NULL, v.guardian_name, v.guardian_relation`

func scanVolunteer(r pgx.Row) (domain.Volunteer, error) {
	var v domain.Volunteer
	var minutes int
	err := r.Scan(&v.ID, &v.Name, &v.Phone, &v.BirthYear, &v.CommunityCode, &v.District, &v.Brand, &v.OrgID, &minutes,
		&v.Consent, &v.GuardianName, &v.GuardianRelation)
	v.Hours = domain.Hours(minutes)
	return v, err
}

// ImportVolunteers registers rows (phones sealed, organisations resolved)
// with COPY in one transaction with one audit entry: all or none.
func (s *Store) ImportVolunteers(ctx context.Context, rows []domain.Volunteer, fileName string, by domain.Actor) error {
	return mapErr("import volunteers", s.tx(ctx, func(tx pgx.Tx) error {
		src := make([][]any, len(rows))
		now := time.Now()
		for i, v := range rows {
			var org *int64
			if v.OrgID != 0 {
				org = &v.OrgID
			}
			src[i] = []any{v.Name, v.Phone, v.BirthYear, v.CommunityCode, v.District, string(v.Brand), org, by.UserID, now, v.GuardianName, v.GuardianRelation}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"volunteers"}, []string{"name", "phone_sealed", "birth_year", "community_code", "district",
			"brand", "org_id", "created_by", "consent_at", "guardian_name", "guardian_relation"}, pgx.CopyFromRows(src)); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "volunteer.import", ObjectType: "volunteer", ObjectID: fileName,
			Summary: map[string]any{"rows": len(rows)}})
	}))
}

// VolunteerOrg is a volunteer organisation of an area with what its
// volunteers did.
type VolunteerOrg struct {
	OrgID      int64   `json:"org_id"` // 0: volunteers in no organisation
	Name       string  `json:"name"`
	USCC       string  `json:"uscc,omitempty"`
	Volunteers int     `json:"volunteers"`
	Pairs      int     `json:"pairs"`
	Hours      float64 `json:"hours"`
}

// VolunteerOrgs lists the volunteer organisations of a scope (district and
// area prefix, empty for all) with their volunteers, pairs and hours.
func (s *Store) VolunteerOrgs(ctx context.Context, district, areaPrefix string) ([]VolunteerOrg, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT coalesce(v.org_id, 0), coalesce(o.name, ''), coalesce(o.uscc, ''), count(*),
		       coalesce(sum((SELECT count(*) FROM pairs p WHERE p.volunteer_id = v.id)), 0),
		       coalesce(sum((SELECT sum(c.minutes) FROM volunteer_credits c WHERE c.volunteer_id = v.id)), 0)
		FROM volunteers v LEFT JOIN organisations o ON o.id = v.org_id
		WHERE ($1 = '' OR v.district = $1) AND ($2 = '' OR v.community_code LIKE $2 || '%')
		GROUP BY 1, 2, 3 ORDER BY coalesce(v.org_id, 0) = 0, count(*) DESC, 2 LIMIT 500`, district, areaPrefix)
	if err != nil {
		return nil, mapErr("volunteer orgs", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (VolunteerOrg, error) {
		var o VolunteerOrg
		var minutes int
		err := r.Scan(&o.OrgID, &o.Name, &o.USCC, &o.Volunteers, &o.Pairs, &minutes)
		o.Hours = domain.Hours(minutes)
		return o, err
	})
	return out, mapErr("volunteer orgs", err)
}

// VolunteerFilter narrows the volunteers list to a scope and more.
type VolunteerFilter struct {
	District   string
	AreaPrefix string
	Brand      domain.Brand
	Search     string // in the name
	Sort       string // a key of VolunteerSorts
	Page       int
	PerPage    int
}

// Volunteers lists volunteers in scope (phones sealed), paged.
func (s *Store) Volunteers(ctx context.Context, f VolunteerFilter) ([]domain.Volunteer, int, error) {
	f.Page, f.PerPage = clampPage(f.Page, f.PerPage, 200)
	const cond = `WHERE ($1 = '' OR v.district = $1) AND ($2 = '' OR v.community_code LIKE $2 || '%') AND ($3 = '' OR v.brand = $3)
		AND ($4 = '' OR v.name ILIKE '%' || $4 || '%')`
	args := []any{f.District, f.AreaPrefix, string(f.Brand), likeEscape(strings.TrimSpace(f.Search))}
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM volunteers v `+cond, args...).Scan(&total); err != nil {
		return nil, 0, mapErr("count volunteers", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+volunteerColumns+` FROM volunteers v `+cond+` ORDER BY `+sortOrder(f.Sort, VolunteerSorts, "v.id")+` LIMIT $5 OFFSET $6`,
		append(args, f.PerPage, (f.Page-1)*f.PerPage)...)
	if err != nil {
		return nil, 0, mapErr("volunteers", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Volunteer, error) { return scanVolunteer(r) })
	return out, total, mapErr("volunteers", err)
}

// Volunteer returns one volunteer.
func (s *Store) Volunteer(ctx context.Context, id int64) (domain.Volunteer, error) {
	v, err := scanVolunteer(s.pool.QueryRow(ctx, `SELECT `+volunteerColumns+` FROM volunteers v WHERE v.id = $1`, id))
	return v, mapErr("volunteer", err)
}

// Pair is a volunteer paired with an elderly person.
type Pair struct {
	ID          int64  `json:"id"`
	VolunteerID int64  `json:"volunteer_id"`
	ElderID     int64  `json:"elder_id"`
	ElderName   string `json:"elder_name"` // masked by the service
	Community   string `json:"community"`
	StartedOn   string `json:"started_on"`
}

// InsertPair pairs a volunteer with a person on the register.
func (s *Store) InsertPair(ctx context.Context, volunteerID, elderID int64, by domain.Actor) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `INSERT INTO pairs (volunteer_id, elder_id, created_by) VALUES ($1, $2, $3) RETURNING id`,
			volunteerID, elderID, by.UserID).Scan(&id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "pair.create", ObjectType: "pair", ObjectID: strconv.FormatInt(id, 10),
			Summary: map[string]int64{"volunteer": volunteerID, "elder": elderID}})
	})
	return id, mapErr("insert pair", err)
}

// Pairs lists a volunteer's pairs.
func (s *Store) Pairs(ctx context.Context, volunteerID int64) ([]Pair, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT p.id, p.volunteer_id, p.elder_id, e.name, a.name, to_char(p.started_on, 'YYYY-MM-DD')
		FROM pairs p JOIN elderly e ON e.id = p.elder_id JOIN areas a ON a.code = e.community_code
		WHERE p.volunteer_id = $1 AND p.ended_on IS NULL ORDER BY p.id`, volunteerID)
	if err != nil {
		return nil, mapErr("pairs", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[Pair])
	return out, mapErr("pairs", err)
}

// PairOwner is the volunteer of a pair and the district it is in.
func (s *Store) PairOwner(ctx context.Context, pairID int64) (domain.Volunteer, error) {
	v, err := scanVolunteer(s.pool.QueryRow(ctx, `SELECT `+volunteerColumns+` FROM volunteers v JOIN pairs p ON p.volunteer_id = v.id WHERE p.id = $1`, pairID))
	return v, mapErr("pair owner", err)
}

// InsertVisit logs a visit, crediting the volunteer's hours.
func (s *Store) InsertVisit(ctx context.Context, v domain.VisitEntry, by domain.Actor) (int64, error) {
	var id int64
	err := s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			INSERT INTO visits (pair_id, kind, visited_at, minutes, note, recorded_by) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
			v.PairID, v.Kind, v.VisitedAt, v.Minutes, v.Note, by.UserID).Scan(&id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "visit.log", ObjectType: "pair", ObjectID: strconv.FormatInt(v.PairID, 10),
			Summary: map[string]any{"visit": id, "kind": v.Kind, "minutes": v.Minutes}})
	})
	return id, mapErr("insert visit", err)
}

// Visits lists a volunteer's visits, newest first.
func (s *Store) Visits(ctx context.Context, volunteerID int64, limit int) ([]domain.Visit, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.visit_id, CASE WHEN c.source = 'pair' THEN c.ref_id ELSE 0 END, c.kind, c.visited_at, c.minutes, c.note, c.counterpart,
		       c.source = 'team', c.created_at
		FROM volunteer_credits c WHERE c.volunteer_id = $1 ORDER BY c.visited_at DESC, c.visit_id DESC LIMIT $2`, volunteerID, limit)
	if err != nil {
		return nil, mapErr("visits", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Visit, error) {
		var v domain.Visit
		err := r.Scan(&v.ID, &v.PairID, &v.Kind, &v.VisitedAt, &v.Minutes, &v.Note, &v.ElderName, &v.AtInstitution, &v.CreatedAt)
		return v, err
	})
	return out, mapErr("visits", err)
}
