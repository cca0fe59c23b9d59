package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"grantflow/internal/domain"
)

// sealedColumns are every column holding a value sealed under the PII
// keyring (internal/pii), by table and primary key. A column added without a
// line here would stay under an old key after a rotation, and become
// unreadable once that key is dropped: the rotation test checks every
// *_sealed column of the schema is listed.
var sealedColumns = []struct {
	Table   string
	Key     string
	Columns []string
	Index   [2]string // a sealed column and the column holding its blind index
}{
	{"organisations", "id", []string{"legal_rep_id_sealed", "contact_phone_sealed"}, [2]string{}},
	{"talents", "id", []string{"phone_sealed"}, [2]string{}},
	{"elderly", "id", []string{"id_sealed", "phone_sealed"}, [2]string{"id_sealed", "id_index"}},
	{"volunteers", "id", []string{"phone_sealed"}, [2]string{}},
	{"call_keys", "call_id", []string{"private_sealed"}, [2]string{}},
	{"objections", "id", []string{"contact_sealed"}, [2]string{}},
	{"public_comments", "id", []string{"contact_sealed"}, [2]string{}},
	{"trainees", "id", []string{"id_sealed", "phone_sealed"}, [2]string{"id_sealed", "id_index"}},
	{"audit_details", "seq", []string{"detail_sealed"}, [2]string{}},
}

// SealedColumns lists "table.column" of every sealed column the rotation
// covers.
func SealedColumns() []string {
	var out []string
	for _, t := range sealedColumns {
		for _, c := range t.Columns {
			out = append(out, t.Table+"."+c)
		}
	}
	return out
}

// ResealPII re-seals every sealed value that is not under the current key
// (key rotation), and recomputes blind indexes that are missing or under an
// older key (index opens a sealed value and indexes it under the current
// key), in batches of 500 rows per transaction with an audit entry per
// batch. Empty and destroyed (NULL) values stay as they are. It returns how
// many rows of each table it re-sealed; run again, it finds none.
func (s *Store) ResealPII(ctx context.Context, current string, reseal, index func(sealed string) (string, error)) (map[string]int, error) {
	done := map[string]int{}
	for _, t := range sealedColumns {
		var stale string
		for i, c := range t.Columns {
			if i > 0 {
				stale += " OR "
			}
			stale += fmt.Sprintf("(coalesce(%s, '') <> '' AND split_part(%s, '.', 1) <> $1)", c, c)
		}
		if ix := t.Index[1]; ix != "" {
			stale += fmt.Sprintf(" OR (coalesce(%s, '') <> '' AND split_part(coalesce(%s, ''), '.', 1) <> $1)", t.Index[0], ix)
		}
		for {
			n, err := s.resealBatch(ctx, t.Table, t.Key, t.Columns, t.Index, stale, current, reseal, index)
			if err != nil {
				return done, mapErr("reseal "+t.Table, err)
			}
			done[t.Table] += n
			if n < 500 {
				break
			}
		}
	}
	return done, nil
}

func (s *Store) resealBatch(ctx context.Context, table, key string, cols []string, ix [2]string, stale, current string, reseal, index func(string) (string, error)) (int, error) {
	n := 0
	err := s.tx(ctx, func(tx pgx.Tx) error {
		batch, err := staleRows(ctx, tx, table, key, cols, stale, current)
		if err != nil {
			return err
		}
		for _, r := range batch {
			update, args, ixArg, err := resealedUpdate(table, key, cols, ix, r, reseal, index)
			if err != nil {
				return err
			}
			if err := writeResealed(ctx, tx, update, args, ixArg, current, r.id); err != nil {
				return err
			}
		}
		n = len(batch)
		if n == 0 {
			return nil
		}
		return appendAudit(ctx, tx, Audit{By: domain.System, Action: "pii.reseal", ObjectType: table, ObjectID: "",
			Summary: map[string]any{"rows": n, "key": current}})
	})
	return n, err
}

// sealedRow is a row's key and its sealed columns ("" for empty or NULL).
type sealedRow struct {
	id   string
	vals []string
}

// staleRows locks and reads the next batch (500 at most) of table's rows
// with a value not under the current key.
func staleRows(ctx context.Context, tx pgx.Tx, table, key string, cols []string, stale, current string) ([]sealedRow, error) {
	sel := fmt.Sprintf(`SELECT %s::text`, key)
	for _, c := range cols {
		sel += fmt.Sprintf(", coalesce(%s, '')", c)
	}
	rows, err := tx.Query(ctx, sel+fmt.Sprintf(" FROM %s WHERE %s ORDER BY %s LIMIT 500 FOR UPDATE", table, stale, key), current)
	if err != nil {
		return nil, err
	}
	var batch []sealedRow
	for rows.Next() {
		r := sealedRow{vals: make([]string, len(cols))}
		dest := []any{&r.id}
		for i := range r.vals {
			dest = append(dest, &r.vals[i])
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return nil, err
		}
		batch = append(batch, r)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return batch, nil
}

// resealedUpdate re-seals a row's values and builds the UPDATE writing
// them (and the blind index, recomputed, at args[ixArg]; -1: none).
func resealedUpdate(table, key string, cols []string, ix [2]string, r sealedRow, reseal, index func(string) (string, error)) (update string, args []any, ixArg int, err error) {
	set := ""
	args, ixArg = []any{r.id}, -1
	for i, c := range cols {
		v := r.vals[i]
		if v == "" {
			continue
		}
		nv, err := reseal(v)
		if err != nil {
			return "", nil, 0, fmt.Errorf("%s %s.%s: %w", table, r.id, c, err)
		}
		args = append(args, nv)
		if set != "" {
			set += ", "
		}
		set += fmt.Sprintf("%s = $%d", c, len(args))
		if c == ix[0] {
			nix, err := index(v)
			if err != nil {
				return "", nil, 0, fmt.Errorf("%s %s.%s index: %w", table, r.id, c, err)
			}
			args = append(args, nix)
			ixArg = len(args) - 1
			set += fmt.Sprintf(", %s = $%d", ix[1], len(args))
		}
	}
	return fmt.Sprintf("UPDATE %s SET %s WHERE %s::text = $1", table, set, key), args, ixArg, nil
}

// writeResealed runs a row's update. Rows written before the blind index
// existed may be the same person twice: the second keeps a row-unique
// marker under the current key (found by no lookup, never stale again)
// rather than stop the migration.
func writeResealed(ctx context.Context, tx pgx.Tx, update string, args []any, ixArg int, current, id string) error {
	if ixArg < 0 {
		_, err := tx.Exec(ctx, update, args...)
		return err
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT reseal_row"); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, update, args...); err != nil {
		var pgErr *pgconn.PgError
		if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
			return err
		}
		if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT reseal_row"); err != nil {
			return err
		}
		args[ixArg] = current + ".dup-" + id
		if _, err := tx.Exec(ctx, update, args...); err != nil {
			return err
		}
	}
	_, err := tx.Exec(ctx, "RELEASE SAVEPOINT reseal_row")
	return err
}
