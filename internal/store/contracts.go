package store

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

const projectColumns = `p.id, p.call_id, c.number, p.number, c.title, c.brand, c.district, p.org_id, o.name, p.amount_fen, p.tranches,
	p.stage, p.terms, p.contract_revision, coalesce(p.contract_key, ''), coalesce(p.contract_sha256, ''),
	p.org_confirmed_at, p.civil_confirmed_at, p.contract_due, p.signed_at, p.published_at, p.created_at,
	coalesce(p.grade, ''), p.graded_at, p.terminated_at, coalesce(p.earned_fen, 0), coalesce(p.clawback_fen, 0), p.archived_at,
	coalesce(p.manifest_sha256, ''), coalesce(p.manifest_key, ''), coalesce(p.final_report_key, ''), coalesce(p.final_report_sha256, '')`

const projectFrom = ` FROM projects p JOIN calls c ON c.id = p.call_id JOIN organisations o ON o.id = p.org_id `

func scanProject(r pgx.Row) (domain.Project, error) {
	var p domain.Project
	var orgAt, civilAt, signed, published, graded, terminated, archived *time.Time
	err := r.Scan(&p.ID, &p.CallID, &p.CallNumber, &p.Number, &p.Title, &p.Brand, &p.District, &p.OrgID, &p.OrgName, &p.Amount, &p.Tranches,
		&p.Stage, &p.Terms, &p.ContractRevision, &p.ContractKey, &p.ContractSHA256, &orgAt, &civilAt, &p.ContractDue, &signed, &published, &p.CreatedAt,
		&p.Grade, &graded, &terminated, &p.Earned, &p.ClawBack, &archived, &p.ManifestSHA, &p.ManifestKey, &p.ReportKey, &p.ReportSHA)
	for _, x := range []struct {
		src *time.Time
		dst *time.Time
	}{{orgAt, &p.OrgConfirmedAt}, {civilAt, &p.CivilConfirmedAt}, {signed, &p.SignedAt}, {published, &p.PublishedAt},
		{graded, &p.GradedAt}, {terminated, &p.TerminatedAt}, {archived, &p.ArchivedAt}} {
		if x.src != nil {
			*x.dst = *x.src
		}
	}
	return p, err
}

// InsertProject records the funded project of an award; idempotent on the
// award's ID.
func (s *Store) InsertProject(ctx context.Context, awardID string, due time.Time) (domain.Project, error) {
	err := s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `
			INSERT INTO projects (id, call_id, number, org_id, amount_fen, tranches, stage, contract_due)
			SELECT a.id, a.call_id, 'XM' || to_char(now() AT TIME ZONE 'Asia/Shanghai', 'YYYY') || '-' || lpad(nextval('project_number_seq')::text, 6, '0'),
			       a.org_id, a.amount_fen, c.plan->'tranches', 'contracting', $2
			FROM awards a JOIN calls c ON c.id = a.call_id WHERE a.id = $1
			ON CONFLICT (id) DO NOTHING`, awardID, due)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "project.create", ObjectType: "project", ObjectID: awardID,
			Summary: map[string]any{"contract_due": due}})
	})
	if err != nil {
		return domain.Project{}, mapErr("insert project", err)
	}
	return s.Project(ctx, awardID)
}

// Project returns one funded project.
func (s *Store) Project(ctx context.Context, id string) (domain.Project, error) {
	p, err := scanProject(s.pool.QueryRow(ctx, `SELECT `+projectColumns+projectFrom+`WHERE p.id = $1`, id))
	return p, mapErr("project", err)
}

// ProjectFilter narrows the funded-project list.
type ProjectFilter struct {
	OrgID    int64
	District string
	Stage    domain.ProjectStage
	Search   string
	Sort     string // a ProjectSorts key; newest first otherwise
	Page     int
	PerPage  int
}

// ProjectPage is one page of funded projects.
type ProjectPage struct {
	Projects []domain.Project
	Total    int
	Page     int
	PerPage  int
}

// Pages is the number of pages.
func (p ProjectPage) Pages() int { return pages(p.Total, p.PerPage) }

// ListProjects lists funded projects newest first, paged on the server.
func (s *Store) ListProjects(ctx context.Context, f ProjectFilter) (ProjectPage, error) {
	f.Page, f.PerPage = clampPage(f.Page, f.PerPage, 200)
	var w filter
	if f.OrgID != 0 {
		w.add("p.org_id = $%d", f.OrgID)
	}
	if f.District != "" {
		w.add("c.district = $%d", f.District)
	}
	if f.Stage != "" {
		w.add("p.stage = $%d", f.Stage)
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		w.add("(c.title ILIKE '%' || $%d || '%' OR p.number ILIKE '%' || $%d || '%' OR o.name ILIKE '%' || $%d || '%')", likeEscape(q))
	}
	ps, total, err := listPage(ctx, s.pool, "list projects", projectColumns, strings.TrimPrefix(projectFrom, " FROM "), w,
		sortOrder(f.Sort, ProjectSorts, ProjectSorts["created"]), f.Page, f.PerPage, func(r pgx.CollectableRow) (domain.Project, error) { return scanProject(r) })
	return ProjectPage{Projects: ps, Total: total, Page: f.Page, PerPage: f.PerPage}, err
}

// SetProjectTerms records the contract's terms; both confirmations are
// cleared (the contract changed).
func (s *Store) SetProjectTerms(ctx context.Context, id string, t domain.ContractTerms, by domain.Actor) error {
	return mapErr("set terms", s.tx(ctx, func(tx pgx.Tx) error {
		// A retry (the same terms, nothing confirmed since) changes nothing
		// and is not audited again; nor is anything after signing.
		tag, err := tx.Exec(ctx, `UPDATE projects SET terms = $2, org_confirmed_at = NULL, org_confirmed_by = NULL,
			civil_confirmed_at = NULL, civil_confirmed_by = NULL, updated_at = now() WHERE id = $1 AND signed_at IS NULL
			AND NOT (terms IS NOT DISTINCT FROM $2::jsonb AND org_confirmed_at IS NULL AND civil_confirmed_at IS NULL)`, id, t)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "project.terms", ObjectType: "project", ObjectID: id, Summary: t})
	}))
}

// SetProjectContract records a rendered contract revision.
func (s *Store) SetProjectContract(ctx context.Context, id string, revision int, key, sha string) error {
	return mapErr("set contract", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE projects SET contract_revision = $2, contract_key = $3, contract_sha256 = $4, updated_at = now()
			WHERE id = $1 AND contract_revision < $2`, id, revision, key, sha)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "project.contract", ObjectType: "project", ObjectID: id,
			Summary: map[string]any{"revision": revision, "object": key, "sha256": sha}})
	}))
}

// ConfirmContract records one side's confirmation of the current contract
// (civil: the bureau; otherwise the organisation). Idempotent.
func (s *Store) ConfirmContract(ctx context.Context, id string, civil bool, revision int, by domain.Actor) error {
	col := "org"
	if civil {
		col = "civil"
	}
	return mapErr("confirm contract", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE projects SET `+col+`_confirmed_at = now(), `+col+`_confirmed_by = $3, updated_at = now()
			WHERE id = $1 AND contract_revision = $2 AND `+col+`_confirmed_at IS NULL`, id, revision, by.UserID)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "project.confirm." + col, ObjectType: "project", ObjectID: id,
			Summary: map[string]any{"revision": revision}})
	}))
}

// SignProject records the signed contract as published and the project in
// delivery. Idempotent.
func (s *Store) SignProject(ctx context.Context, id string) error {
	return mapErr("sign project", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE projects SET signed_at = now(), published_at = now(), stage = 'delivery', updated_at = now()
			WHERE id = $1 AND signed_at IS NULL`, id)
		if err != nil || tag.RowsAffected() == 0 {
			return err
		}
		if _, err := tx.Exec(ctx, `UPDATE proposals SET status = 'funded' WHERE bid_id = (SELECT bid_id FROM awards WHERE id = $1)`, id); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "project.signed", ObjectType: "project", ObjectID: id})
	}))
}

// ConfirmTranche records civil affairs' confirmation that a tranche's
// condition is met. A retry by the same person changes nothing; anyone
// else's confirmation of a confirmed tranche is a conflict that names who
// confirmed it and when.
func (s *Store) ConfirmTranche(ctx context.Context, projectID string, index int, amount domain.Fen, by domain.Actor) error {
	return mapErr("confirm tranche", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO project_tranches (project_id, tranche, amount_fen, confirmed_at, confirmed_by)
			VALUES ($1, $2, $3, now(), $4) ON CONFLICT DO NOTHING`, projectID, index, amount, by.UserID)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var who int64
			var name string
			var at time.Time
			if err := tx.QueryRow(ctx, `SELECT t.confirmed_by, u.display_name, t.confirmed_at FROM project_tranches t
				JOIN users u ON u.id = t.confirmed_by WHERE t.project_id = $1 AND t.tranche = $2`, projectID, index).Scan(&who, &name, &at); err != nil {
				return err
			}
			if who == by.UserID {
				return nil
			}
			return domain.Errorf(domain.CodeConflict, "第 %d 笔资金的拨付条件已由 %s 于 %s 确认，无需重复确认。", index+1, name, chinaMinute(at))
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "tranche.confirm", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"tranche": index + 1, "amount_fen": amount}})
	}))
}

// RecordPayment records finance's payment of a confirmed tranche with its
// voucher. The database refuses payments beyond the award. A retry of the
// same payment (the same voucher object) changes nothing; another payment
// of a paid tranche is a conflict naming who paid it, when and with which
// voucher — never a silent success that drops its voucher.
func (s *Store) RecordPayment(ctx context.Context, projectID string, index int, voucherNo, key, sha string, by domain.Actor) error {
	return mapErr("record payment", s.tx(ctx, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `UPDATE project_tranches SET paid_at = now(), paid_by = $3, voucher_no = $4, voucher_key = $5, voucher_sha256 = $6
			WHERE project_id = $1 AND tranche = $2 AND confirmed_at IS NOT NULL AND paid_at IS NULL`, projectID, index, by.UserID, voucherNo, key, sha)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var paid *time.Time
			var name, no, had string
			err := tx.QueryRow(ctx, `SELECT t.paid_at, coalesce(u.display_name, ''), t.voucher_no, t.voucher_key FROM project_tranches t
				LEFT JOIN users u ON u.id = t.paid_by WHERE t.project_id = $1 AND t.tranche = $2`, projectID, index).Scan(&paid, &name, &no, &had)
			switch {
			case errors.Is(err, pgx.ErrNoRows) || err == nil && paid == nil:
				return domain.Errorf(domain.CodeConflict, "第 %d 笔资金的拨付条件尚未经民政部门确认，不能拨付。", index+1)
			case err != nil:
				return err
			case had == key:
				return nil
			}
			return domain.Errorf(domain.CodeConflict, "第 %d 笔资金已由 %s 于 %s 登记拨付（凭证号 %s），不能重复登记。", index+1, name, chinaMinute(*paid), no)
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "tranche.pay", ObjectType: "project", ObjectID: projectID,
			Summary: map[string]any{"tranche": index + 1, "voucher": voucherNo, "sha256": sha}})
	}))
}

// chinaMinute is a moment as Chinese messages write it.
func chinaMinute(t time.Time) string { return t.In(domain.ChinaTime).Format("2006年1月2日 15:04") }

// Tranches lists a project's tranches as planned, with what was confirmed
// and paid.
func (s *Store) Tranches(ctx context.Context, p domain.Project) ([]domain.TrancheState, error) {
	amounts := domain.TrancheAmounts(p.Amount, p.Tranches)
	out := make([]domain.TrancheState, len(p.Tranches))
	for i, t := range p.Tranches {
		out[i] = domain.TrancheState{Index: i, Percent: t.Percent, Condition: t.Condition, Amount: amounts[i]}
	}
	rows, err := s.pool.Query(ctx, `SELECT tranche, confirmed_at, paid_at, voucher_no, voucher_key FROM project_tranches WHERE project_id = $1`, p.ID)
	if err != nil {
		return nil, mapErr("tranches", err)
	}
	defer rows.Close()
	for rows.Next() {
		var i int
		var confirmed, paid *time.Time
		var no, key string
		if err := rows.Scan(&i, &confirmed, &paid, &no, &key); err != nil {
			return nil, mapErr("tranches", err)
		}
		if i < 0 || i >= len(out) {
			continue
		}
		if confirmed != nil {
			out[i].ConfirmedAt = *confirmed
		}
		if paid != nil {
			out[i].PaidAt = *paid
		}
		out[i].VoucherNo, out[i].VoucherKey = no, key
	}
	return out, mapErr("tranches", rows.Err())
}

// ProjectCounts are what waits on funded projects, within a scope.
type ProjectCounts struct {
	Contracting   int // contracts not yet signed
	OverdueSign   int // of those, past the 30-day limit
	SessionsToday int // sessions starting today (China time)
	ToPay         int // tranches confirmed, not yet paid
	ReportsDue    int // evaluation rounds waiting for the organisation's report
	ReportsSoon   int // of those, due within 7 days
	Rectifying    int // projects rectifying after a failed mid-term
	Closing       int // projects evaluated, waiting for settlement
}

// CountProjectWork counts a scope's pending project work: orgID > 0 for one
// organisation, else district ("" for every district).
func (s *Store) CountProjectWork(ctx context.Context, orgID int64, district string) (ProjectCounts, error) {
	var c ProjectCounts
	err := s.pool.QueryRow(ctx, `
		WITH scope AS (
			SELECT p.id, p.stage, p.contract_due FROM projects p JOIN calls c ON c.id = p.call_id
			WHERE ($1 = 0 OR p.org_id = $1) AND ($2 = '' OR c.district = $2))
		SELECT (SELECT count(*) FROM scope WHERE stage = 'contracting'),
		       (SELECT count(*) FROM scope WHERE stage = 'contracting' AND contract_due < now()),
		       (SELECT count(*) FROM training_sessions t JOIN scope ON scope.id = t.project_id
		         WHERE (t.starts_at AT TIME ZONE 'Asia/Shanghai')::date = (now() AT TIME ZONE 'Asia/Shanghai')::date),
		       (SELECT count(*) FROM project_tranches x JOIN scope ON scope.id = x.project_id
		         WHERE x.confirmed_at IS NOT NULL AND x.paid_at IS NULL),
		       (SELECT count(*) FROM evaluations e JOIN scope ON scope.id = e.project_id
		         WHERE e.submitted_at IS NULL AND e.decided_at IS NULL),
		       (SELECT count(*) FROM evaluations e JOIN scope ON scope.id = e.project_id
		         WHERE e.submitted_at IS NULL AND e.decided_at IS NULL AND e.due_at < now() + interval '7 days'),
		       (SELECT count(*) FROM scope WHERE stage = 'rectifying'),
		       (SELECT count(*) FROM scope WHERE stage = 'closing')`, orgID, district).
		Scan(&c.Contracting, &c.OverdueSign, &c.SessionsToday, &c.ToPay, &c.ReportsDue, &c.ReportsSoon, &c.Rectifying, &c.Closing)
	return c, mapErr("count project work", err)
}
