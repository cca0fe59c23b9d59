package store

import (
	"context"
	"fmt"
	"strconv"

	"github.com/jackc/pgx/v5"

	"grantflow/internal/domain"
)

// SealedElder is a register row whose ID card and phone are sealed.
type SealedElder struct {
	domain.ElderRow // IDCard and Phone hold sealed values
	IDIndex         string
	District        string
	BirthYear       int
}

// ElderPlaces finds which of the blind indexes are on the register, and in
// which community: the import updates those people instead of adding them
// again.
func (s *Store) ElderPlaces(ctx context.Context, indexes []string) (map[string]string, error) {
	rows, err := s.pool.Query(ctx, `SELECT id_index, community_code FROM elderly WHERE id_index = ANY($1)`, indexes)
	if err != nil {
		return nil, mapErr("elder places", err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var ix, code string
		if err := rows.Scan(&ix, &code); err != nil {
			return nil, mapErr("elder places", err)
		}
		out[ix] = code
	}
	return out, mapErr("elder places", rows.Err())
}

// ImportElderly writes rows in one transaction with one audit entry, all of
// them or none: COPY into a temporary table, then one upsert on the blind
// index — new people are added, people already on the register updated
// (the quarterly update). It returns how many were added and updated.
func (s *Store) ImportElderly(ctx context.Context, rows []SealedElder, fileName string, by domain.Actor) (added, updated int, err error) {
	err = mapErr("import elderly", s.tx(ctx, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE elderly_in (name text, id_sealed text, id_index text, phone_sealed text, community_code text,
			district text, categories text[], address text, birth_year int) ON COMMIT DROP`); err != nil {
			return err
		}
		src := make([][]any, len(rows))
		for i, r := range rows {
			cats := make([]string, len(r.Categories))
			for j, c := range r.Categories {
				cats[j] = string(c)
			}
			src[i] = []any{r.Name, r.IDCard, r.IDIndex, r.Phone, r.CommunityCode, r.District, cats, r.Address, r.BirthYear}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"elderly_in"},
			[]string{"name", "id_sealed", "id_index", "phone_sealed", "community_code", "district", "categories", "address", "birth_year"},
			pgx.CopyFromRows(src)); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `WITH up AS (
				INSERT INTO elderly (name, id_sealed, id_index, phone_sealed, community_code, district, categories, address, birth_year, imported_by)
				SELECT name, id_sealed, id_index, phone_sealed, community_code, district, categories, address, birth_year, $1 FROM elderly_in
				ON CONFLICT (id_index) WHERE id_index IS NOT NULL DO UPDATE SET name = excluded.name, id_sealed = excluded.id_sealed,
					phone_sealed = excluded.phone_sealed, community_code = excluded.community_code, district = excluded.district,
					categories = excluded.categories, address = excluded.address, birth_year = excluded.birth_year, updated_at = now()
				RETURNING xmax = 0 AS inserted)
			SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM up`, by.UserID).Scan(&added, &updated); err != nil {
			return err
		}
		return appendAudit(ctx, tx, Audit{By: by, Action: "elderly.import", ObjectType: "elderly", ObjectID: fileName,
			Summary: map[string]any{"rows": len(rows), "added": added, "updated": updated}})
	}))
	return added, updated, err
}

// ElderFilter narrows the register listing.
type ElderFilter struct {
	District   string
	AreaPrefix string
	Category   domain.ElderCategory
	Sort       string // a key of ElderSorts
	Page       int
	PerPage    int
}

const elderColumns = `e.id, e.name, e.id_sealed, e.phone_sealed, e.community_code, a.name, e.district, e.categories, e.address, e.birth_year`

func scanElder(r pgx.Row) (domain.Elder, error) {
	var e domain.Elder
	var cats []string
	err := r.Scan(&e.ID, &e.Name, &e.IDCard, &e.Phone, &e.CommunityCode, &e.CommunityName, &e.District, &cats, &e.Address, &e.BirthYear)
	for _, c := range cats {
		e.Categories = append(e.Categories, domain.ElderCategory(c))
	}
	return e, err
}

func elderWhere(f ElderFilter) (string, []any) {
	cond := "WHERE ($1 = '' OR e.district = $1) AND ($2 = '' OR e.community_code LIKE $2 || '%') AND ($3 = '' OR e.categories @> ARRAY[$3]::text[])"
	return cond, []any{f.District, f.AreaPrefix, string(f.Category)}
}

// ListElderly lists register entries (sealed), paged on the server.
func (s *Store) ListElderly(ctx context.Context, f ElderFilter) ([]domain.Elder, int, error) {
	if f.PerPage <= 0 || f.PerPage > 1000 {
		f.PerPage = 20
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	cond, args := elderWhere(f)
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM elderly e `+cond, args...).Scan(&total); err != nil {
		return nil, 0, mapErr("count elderly", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT `+elderColumns+` FROM elderly e JOIN areas a ON a.code = e.community_code `+cond+
		` ORDER BY `+sortOrder(f.Sort, ElderSorts, "e.id")+` LIMIT $4 OFFSET $5`, append(args, f.PerPage, (f.Page-1)*f.PerPage)...)
	if err != nil {
		return nil, 0, mapErr("list elderly", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (domain.Elder, error) { return scanElder(r) })
	return out, total, mapErr("list elderly", err)
}

// Elder returns one entry (sealed).
func (s *Store) Elder(ctx context.Context, id int64) (domain.Elder, error) {
	e, err := scanElder(s.pool.QueryRow(ctx, `SELECT `+elderColumns+` FROM elderly e JOIN areas a ON a.code = e.community_code WHERE e.id = $1`, id))
	return e, mapErr("elder", err)
}

// ElderCounts counts register entries per category (for roll-ups).
func (s *Store) ElderCounts(ctx context.Context, f ElderFilter) (map[domain.ElderCategory]int, int, error) {
	cond, args := elderWhere(f)
	rows, err := s.pool.Query(ctx, `SELECT c, count(*) FROM elderly e, unnest(e.categories) c `+cond+` GROUP BY c`, args...)
	if err != nil {
		return nil, 0, mapErr("elder counts", err)
	}
	out := map[domain.ElderCategory]int{}
	for rows.Next() {
		var c string
		var n int
		if err := rows.Scan(&c, &n); err != nil {
			return nil, 0, mapErr("elder counts", err)
		}
		out[domain.ElderCategory(c)] = n
	}
	var total int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM elderly e `+cond, args...).Scan(&total); err != nil {
		return nil, 0, mapErr("elder counts", err)
	}
	return out, total, mapErr("elder counts", rows.Err())
}

// AreaScope says whether a community exists and lies under prefix (the
// importer's area; empty: anywhere) and in district (empty: any).
func (s *Store) AreaScope(ctx context.Context, prefix, district string) (func(string) (bool, string), error) {
	rows, err := s.pool.Query(ctx, `
		SELECT c.code FROM areas c JOIN areas st ON st.code = c.parent_code JOIN areas d ON d.code = st.parent_code
		WHERE c.level = 'community' AND c.code LIKE $1 || '%' AND ($2 = '' OR d.name = $2)`, prefix, district)
	if err != nil {
		return nil, mapErr("area scope", err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, mapErr("area scope", err)
	}
	set := map[string]bool{}
	for _, c := range codes {
		set[c] = true
	}
	return func(code string) (bool, string) {
		if set[code] {
			return true, ""
		}
		return false, fmt.Sprintf("社区代码 %s 不存在或不在您的辖区", code)
	}, nil
}

// RecordElderView audits a full view of an entry.
func (s *Store) RecordElderView(ctx context.Context, id int64, by domain.Actor) error {
	return s.RecordPIIView(ctx, "elder", strconv.FormatInt(id, 10), []string{"id_card", "phone"}, by)
}
