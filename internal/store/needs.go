package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// CommunityPlace is a community with its street and district.
type CommunityPlace struct {
	Community domain.Area
	Street    domain.Area
	District  domain.Area
}

// PlaceOfCommunity finds a community's street and district.
func (s *Store) PlaceOfCommunity(ctx context.Context, code string) (CommunityPlace, error) {
	var p CommunityPlace
	err := s.pool.QueryRow(ctx, `
		SELECT c.code, c.name, c.level, s.code, s.name, s.level, d.code, d.name, d.level
		FROM areas c JOIN areas s ON s.code = c.parent_code JOIN areas d ON d.code = s.parent_code
		WHERE c.code = $1 AND c.level = 'community'`, code).Scan(
		&p.Community.Code, &p.Community.Name, &p.Community.Level,
		&p.Street.Code, &p.Street.Name, &p.Street.Level,
		&p.District.Code, &p.District.Name, &p.District.Level)
	if err != nil {
		return p, mapErr("place of community", err)
	}
	p.Community.ParentCode, p.Street.ParentCode = p.Street.Code, p.District.Code
	return p, nil
}

// InsertNeed records a need with its audit entry.
func (s *Store) InsertNeed(ctx context.Context, n domain.Need, by domain.Actor) (int64, error) {
	affected, err := json.Marshal(n.Affected)
	if err != nil {
		return 0, err
	}
	var id int64
	err = s.tx(ctx, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			INSERT INTO needs (community_code, street_code, district, quarter, category, urgency, affected, description, recorded_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
			n.CommunityCode, n.StreetCode, n.District, n.Quarter, n.Category, n.Urgency, affected, n.Description, by.UserID).Scan(&id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "need.record", ObjectType: "need", ObjectID: fmt.Sprint(id),
			Summary: map[string]any{"community": n.CommunityCode, "category": n.Category, "urgency": n.Urgency, "quarter": n.Quarter}})
	})
	return id, mapErr("insert need", err)
}

const needColumns = `id, community_code, (SELECT name FROM areas WHERE code = community_code), street_code, district, quarter,
	category, urgency, affected, description, recorded_by, created_at`

func scanNeed(r pgx.Row) (domain.Need, error) {
	var n domain.Need
	var affected []byte
	err := r.Scan(&n.ID, &n.CommunityCode, &n.CommunityName, &n.StreetCode, &n.District, &n.Quarter, &n.Category, &n.Urgency,
		&affected, &n.Description, &n.RecordedBy, &n.CreatedAt)
	if err == nil {
		err = json.Unmarshal(affected, &n.Affected)
	}
	return n, err
}

// NeedFilter narrows the needs list.
type NeedFilter struct {
	District   string
	StreetCode string
	AreaPrefix string // communities whose code starts with this (a reporter's area)
	Quarter    string
	Category   domain.NeedCategory
	Sort       string // a NeedSorts key; newest first otherwise
	Page       int
	PerPage    int
}

// NeedPage is one page of needs.
type NeedPage struct {
	Needs   []domain.Need
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p NeedPage) Pages() int { return pages(p.Total, p.PerPage) }

// ListNeeds lists needs newest first, paged on the server.
func (s *Store) ListNeeds(ctx context.Context, f NeedFilter) (NeedPage, error) {
	f.Page, f.PerPage = clampPage(f.Page, f.PerPage, 500)
	var w filter
	if f.District != "" {
		w.add("district = $%d", f.District)
	}
	if f.StreetCode != "" {
		w.add("street_code = $%d", f.StreetCode)
	}
	if f.AreaPrefix != "" {
		w.add("community_code LIKE $%d || '%'", f.AreaPrefix)
	}
	if f.Quarter != "" {
		w.add("quarter = $%d", f.Quarter)
	}
	if f.Category != "" {
		w.add("category = $%d", f.Category)
	}
	needs, total, err := listPage(ctx, s.pool, "list needs", needColumns, "needs", w, sortOrder(f.Sort, NeedSorts, NeedSorts["created"]), f.Page, f.PerPage,
		func(r pgx.CollectableRow) (domain.Need, error) { return scanNeed(r) })
	return NeedPage{Needs: needs, Total: total, Page: f.Page, PerPage: f.PerPage}, err
}

// ReportCycle is a street's quarterly reporting cycle.
type ReportCycle struct {
	StreetCode  string             `json:"street_code"`
	StreetName  string             `json:"street_name"`
	Quarter     string             `json:"quarter"`
	District    string             `json:"district"`
	Status      domain.CycleStatus `json:"status"`
	OpensAt     time.Time          `json:"opens_at"`
	Deadline    time.Time          `json:"deadline"`
	RemindedAt  *time.Time         `json:"reminded_at"`
	SubmittedAt *time.Time         `json:"submitted_at"`
	Late        bool               `json:"late"`
	RollUp      *domain.RollUp     `json:"rollup"`
}

// IsDistrict reports a district's half-year cycle (district codes have six
// digits, street codes more).
func (c ReportCycle) IsDistrict() bool { return len(c.StreetCode) == 6 }

// OpenCycle records that a street's reporting window is open; idempotent.
func (s *Store) OpenCycle(ctx context.Context, street domain.Area, district, quarter string, opens, deadline time.Time) error {
	return mapErr("open cycle", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO report_cycles (street_code, quarter, district, status, opens_at, deadline)
			VALUES ($1, $2, $3, 'open', $4, $5) ON CONFLICT DO NOTHING`, street.Code, quarter, district, opens, deadline)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "cycle.open", ObjectType: "street", ObjectID: street.Code,
			Summary: map[string]string{"quarter": quarter, "deadline": deadline.Format(time.RFC3339)}})
	}))
}

// MarkCycle records a reminder ("reminded") or the deadline passing ("late").
func (s *Store) MarkCycle(ctx context.Context, street, quarter, event string) error {
	var sql string
	switch event {
	case "reminded":
		sql = `UPDATE report_cycles SET reminded_at = now() WHERE street_code = $1 AND quarter = $2 AND reminded_at IS NULL`
	case "late":
		sql = `UPDATE report_cycles SET status = 'late', late = true WHERE street_code = $1 AND quarter = $2 AND status = 'open'`
	default:
		return fmt.Errorf("mark cycle: unknown event %q", event)
	}
	return mapErr("mark cycle", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, sql, street, quarter)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "cycle." + event, ObjectType: "street", ObjectID: street,
			Summary: map[string]string{"quarter": quarter}})
	}))
}

// SubmitCycle rolls up a street's needs for the quarter and records the
// report to the district; idempotent (a second call returns the first
// roll-up).
func (s *Store) SubmitCycle(ctx context.Context, street, quarter string, by domain.Actor) (domain.RollUp, error) {
	var out domain.RollUp
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var status domain.CycleStatus
		var existing []byte
		if err := tx.QueryRow(ctx, `SELECT status, rollup FROM report_cycles WHERE street_code = $1 AND quarter = $2 FOR UPDATE`,
			street, quarter).Scan(&status, &existing); err != nil {
			return err
		}
		if status == domain.CycleSubmitted {
			return json.Unmarshal(existing, &out)
		}
		rows, err := tx.Query(ctx, `SELECT `+needColumns+` FROM needs WHERE street_code = $1 AND quarter = $2`, street, quarter)
		if err != nil {
			return err
		}
		needs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Need, error) { return scanNeed(r) })
		if err != nil {
			return err
		}
		out = domain.RollUpNeeds(needs)
		q, err := domain.ParseQuarter(quarter)
		if err != nil {
			return err
		}
		if out.Registers, err = registerSnapshot(ctx, tx, street, q.Start(), q.End()); err != nil {
			return err
		}
		b, _ := json.Marshal(out)
		if _, err := tx.Exec(ctx, `
			UPDATE report_cycles SET status = 'submitted', submitted_at = now(), submitted_by = nullif($3, 0), rollup = $4
			WHERE street_code = $1 AND quarter = $2`, street, quarter, by.UserID, b); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "cycle.submit", ObjectType: "street", ObjectID: street,
			Summary: map[string]any{"quarter": quarter, "needs": out.Needs, "late": status == domain.CycleLate}})
	})
	return out, mapErr("submit cycle", err)
}

// Cycles lists the reporting cycles of a district (or every district) for a
// quarter, by street.
func (s *Store) Cycles(ctx context.Context, district, quarter string) ([]ReportCycle, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.street_code, a.name, c.quarter, c.district, c.status, c.opens_at, c.deadline, c.reminded_at, c.submitted_at, c.late, c.rollup
		FROM report_cycles c JOIN areas a ON a.code = c.street_code
		WHERE ($1 = '' OR c.district = $1) AND c.quarter = $2 ORDER BY c.district, c.street_code`, district, quarter)
	if err != nil {
		return nil, mapErr("cycles", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (ReportCycle, error) {
		var c ReportCycle
		var rollup []byte
		err := r.Scan(&c.StreetCode, &c.StreetName, &c.Quarter, &c.District, &c.Status, &c.OpensAt, &c.Deadline,
			&c.RemindedAt, &c.SubmittedAt, &c.Late, &rollup)
		if err == nil && rollup != nil {
			c.RollUp = &domain.RollUp{}
			err = json.Unmarshal(rollup, c.RollUp)
		}
		return c, err
	})
	return out, mapErr("cycles", err)
}

// Streets lists every street with its district name.
func (s *Store) Streets(ctx context.Context) ([]CommunityPlace, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT s.code, s.name, d.code, d.name FROM areas s JOIN areas d ON d.code = s.parent_code
		WHERE s.level = 'street' ORDER BY s.code`)
	if err != nil {
		return nil, mapErr("streets", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (CommunityPlace, error) {
		var p CommunityPlace
		err := r.Scan(&p.Street.Code, &p.Street.Name, &p.District.Code, &p.District.Name)
		p.Street.Level, p.District.Level = domain.LevelStreet, domain.LevelDistrict
		return p, err
	})
	return out, mapErr("streets", err)
}

// SubmitDistrictCycle reports a district's half year to the city: its needs
// of the two quarters and the proposals it made from them; idempotent.
func (s *Store) SubmitDistrictCycle(ctx context.Context, code, district, half string, by domain.Actor) (domain.RollUp, error) {
	quarters, err := domain.HalfQuarters(half)
	if err != nil {
		return domain.RollUp{}, err
	}
	var out domain.RollUp
	err = s.tx(ctx, func(tx pgx.Tx) error {
		var status domain.CycleStatus
		var existing []byte
		if err := tx.QueryRow(ctx, `SELECT status, rollup FROM report_cycles WHERE street_code = $1 AND quarter = $2 FOR UPDATE`,
			code, half).Scan(&status, &existing); err != nil {
			return err
		}
		if status == domain.CycleSubmitted {
			return json.Unmarshal(existing, &out)
		}
		rows, err := tx.Query(ctx, `SELECT `+needColumns+` FROM needs WHERE district = $1 AND quarter = ANY($2)`, district, quarters)
		if err != nil {
			return err
		}
		needs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Need, error) { return scanNeed(r) })
		if err != nil {
			return err
		}
		out = domain.RollUpNeeds(needs)
		q, _ := domain.ParseQuarter(quarters[0])
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM proposals WHERE district = $1 AND created_at >= $2 AND created_at < $3`,
			district, q.Start(), q.End().AddDate(0, 3, 0)).Scan(&out.Proposals); err != nil {
			return err
		}
		if out.Registers, err = registerSnapshot(ctx, tx, code, q.Start(), q.End().AddDate(0, 3, 0)); err != nil {
			return err
		}
		b, _ := json.Marshal(out)
		if _, err := tx.Exec(ctx, `
			UPDATE report_cycles SET status = 'submitted', submitted_at = now(), submitted_by = nullif($3, 0), rollup = $4
			WHERE street_code = $1 AND quarter = $2`, code, half, by.UserID, b); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "cycle.submit", ObjectType: "district", ObjectID: code,
			Summary: map[string]any{"half": half, "needs": out.Needs, "proposals": out.Proposals, "late": status == domain.CycleLate}})
	})
	return out, mapErr("submit district cycle", err)
}

// registerSnapshot counts the two registers under an area code (a street,
// or a district: community codes start with both) and the hours credited
// between from and to.
func registerSnapshot(ctx context.Context, tx pgx.Tx, area string, from, to time.Time) (*domain.RegisterSnapshot, error) {
	r := &domain.RegisterSnapshot{ByCategory: map[domain.ElderCategory]int{}}
	rows, err := tx.Query(ctx, `SELECT c, count(*) FROM elderly, unnest(categories) c WHERE community_code LIKE $1 || '%' GROUP BY c`, area)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var c domain.ElderCategory
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			rows.Close()
			return nil, err
		}
		r.ByCategory[c] = n
	}
	rows.Close()
	var minutes int
	err = tx.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM elderly WHERE community_code LIKE $1 || '%'),
		(SELECT count(*) FROM volunteers WHERE community_code LIKE $1 || '%'),
		(SELECT count(*) FROM volunteers WHERE community_code LIKE $1 || '%' AND guardian_name <> ''),
		(SELECT count(*) FROM pairs p JOIN volunteers v ON v.id = p.volunteer_id WHERE v.community_code LIKE $1 || '%' AND p.ended_on IS NULL),
		(SELECT coalesce(sum(c.minutes), 0) FROM volunteer_credits c JOIN volunteers v ON v.id = c.volunteer_id
		  WHERE v.community_code LIKE $1 || '%' AND c.visited_at >= $2 AND c.visited_at < $3)`, area, from, to).
		Scan(&r.Elderly, &r.Volunteers, &r.Minors, &r.Pairs, &minutes)
	r.Hours = domain.Hours(minutes)
	return r, err
}
