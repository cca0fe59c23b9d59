package store

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

const talentColumns = `t.id, t.kind, t.name, t.level, t.district, t.title, t.employer, t.phone_sealed, t.fields,
	t.employment, t.relations, t.available, coalesce(t.user_id, 0), coalesce(u.username, ''), t.created_at`

const talentFrom = ` FROM talents t LEFT JOIN users u ON u.id = t.user_id `

func scanTalent(r pgx.Row) (domain.Talent, error) {
	var t domain.Talent
	var fields []string
	var emp, rel []byte
	err := r.Scan(&t.ID, &t.Kind, &t.Name, &t.Level, &t.District, &t.Title, &t.Employer, &t.Phone, &fields,
		&emp, &rel, &t.Available, &t.UserID, &t.Username, &t.CreatedAt)
	if err != nil {
		return t, err
	}
	for _, f := range fields {
		t.Fields = append(t.Fields, domain.ExpertField(f))
	}
	if err := json.Unmarshal(emp, &t.Employment); err != nil {
		return t, err
	}
	return t, json.Unmarshal(rel, &t.Relations)
}

// SaveTalent creates (id 0) or updates a talent; Phone must already be
// sealed. A username links the expert's account.
func (s *Store) SaveTalent(ctx context.Context, id int64, t domain.TalentEntry, by domain.Actor) (int64, error) {
	fields := make([]string, len(t.Fields))
	for i, f := range t.Fields {
		fields[i] = string(f)
	}
	emp, _ := json.Marshal(t.Employment)
	rel, _ := json.Marshal(t.Relations)
	err := s.tx(ctx, func(tx pgx.Tx) error {
		var userID *int64
		if t.Username != "" {
			var uid int64
			if err := tx.QueryRow(ctx, `SELECT id FROM users WHERE username = $1`, t.Username).Scan(&uid); err != nil {
				if err == pgx.ErrNoRows {
					return &domain.Error{Code: domain.CodeInvalid, Message: "关联账号不存在。", Fields: map[string]string{"username": "没有这个用户名。"}}
				}
				return err
			}
			userID = &uid
		}
		action := "talent.update"
		if id == 0 {
			action = "talent.create"
			if err := tx.QueryRow(ctx, `
				INSERT INTO talents (kind, name, level, district, title, employer, phone_sealed, fields, employment, relations, available, user_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id`,
				t.Kind, t.Name, t.Level, t.District, t.Title, t.Employer, t.Phone, fields, emp, rel, t.Available, userID).Scan(&id); err != nil {
				return err
			}
		} else {
			tag, err := tx.Exec(ctx, `
				UPDATE talents SET kind = $2, name = $3, level = $4, district = $5, title = $6, employer = $7, phone_sealed = $8,
				       fields = $9, employment = $10, relations = $11, available = $12, user_id = $13, updated_at = now()
				WHERE id = $1`, id, t.Kind, t.Name, t.Level, t.District, t.Title, t.Employer, t.Phone, fields, emp, rel, t.Available, userID)
			if err != nil {
				return err
			}
			if tag.RowsAffected() == 0 {
				return domain.Errorf(domain.CodeNotFound, "找不到该人才记录。")
			}
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: action, ObjectType: "talent", ObjectID: strconv.FormatInt(id, 10),
			Summary: map[string]any{"kind": t.Kind, "name": t.Name, "level": t.Level, "district": t.District, "fields": fields,
				"available": t.Available, "employment": len(t.Employment), "relations": len(t.Relations)}})
	})
	return id, mapErr("save talent", err)
}

// Talent returns one talent (phone sealed).
func (s *Store) Talent(ctx context.Context, id int64) (domain.Talent, error) {
	t, err := scanTalent(s.pool.QueryRow(ctx, `SELECT `+talentColumns+talentFrom+`WHERE t.id = $1`, id))
	return t, mapErr("talent", err)
}

// TalentFilter narrows the talent list.
type TalentFilter struct {
	Kind      domain.TalentKind
	Field     domain.ExpertField
	District  string
	Available *bool
	Search    string
	Sort      string // a key of TalentSorts
	Page      int
	PerPage   int
}

// TalentPage is one page of talents.
type TalentPage struct {
	Talents []domain.Talent
	Total   int
	Page    int
	PerPage int
}

// Pages is the number of pages.
func (p TalentPage) Pages() int { return pages(p.Total, p.PerPage) }

// ListTalents lists talents by id, paged on the server.
func (s *Store) ListTalents(ctx context.Context, f TalentFilter) (TalentPage, error) {
	f.Page, f.PerPage = clampPage(f.Page, f.PerPage, 500)
	var w filter
	if f.Kind != "" {
		w.add("t.kind = $%d", f.Kind)
	}
	if f.Field != "" {
		w.add("t.fields @> ARRAY[$%d]::text[]", string(f.Field))
	}
	if f.District != "" {
		w.add("t.district = $%d", f.District)
	}
	if f.Available != nil {
		w.add("t.available = $%d", *f.Available)
	}
	if q := strings.TrimSpace(f.Search); q != "" {
		w.add("(t.name ILIKE '%' || $%d || '%' OR t.employer ILIKE '%' || $%d || '%')", likeEscape(q))
	}
	ts, total, err := listPage(ctx, s.pool, "list talents", talentColumns, strings.TrimPrefix(talentFrom, " FROM "), w, sortOrder(f.Sort, TalentSorts, "t.id"), f.Page, f.PerPage,
		func(r pgx.CollectableRow) (domain.Talent, error) { return scanTalent(r) })
	return TalentPage{Talents: ts, Total: total, Page: f.Page, PerPage: f.PerPage}, err
}
