package backup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"golang.org/x/sync/errgroup"
)

// ErrNotEmpty refuses a restore into a database or bucket that holds data.
var ErrNotEmpty = errors.New("restore target is not empty")

// ErrDamaged refuses a backup whose files do not match its manifest.
var ErrDamaged = errors.New("backup damaged")

// Restored says what a restore did.
type Restored struct {
	Versions      int   // object versions written
	DeleteMarkers int   // delete markers written
	Skipped       int   // delete markers newer than the snapshot, not restored
	Locked        int   // versions written with a retention lock
	Expired       int   // versions whose retention had ended: written unlocked
	Bytes         int64 // object bytes written
	// Remapped is how many database rows had an object version ID the
	// restored store gave a new one (S3 chooses version IDs).
	Remapped int64
}

// Restore restores the backup in dir into an empty database and empty (or
// missing) buckets: it checks the backup's every file against the manifest
// and the targets' emptiness before it writes anything, then restores the
// database with pg_restore (the step most likely to fail, and the easiest to
// undo), writes every object version in its original order (retention and
// legal hold re-applied), and points the rows
// that name an object version at the version the restored store made.
func Restore(ctx context.Context, o Options, dir string) (Manifest, Restored, error) {
	var res Restored
	m, err := ReadManifest(dir)
	if err != nil {
		return m, res, err
	}
	if probs := Check(dir, m); len(probs) > 0 {
		err := fmt.Errorf("%w: %d file(s) do not match the manifest, nothing restored", ErrDamaged, len(probs))
		for _, p := range probs {
			err = fmt.Errorf("%w\n  %s: %s", err, p.Path, p.Reason)
		}
		return m, res, err
	}
	roles := map[string]BucketDump{}
	for _, b := range m.Buckets {
		roles[b.Role] = b
	}
	for _, r := range []string{RoleDocuments, RoleArchive} {
		if _, ok := roles[r]; !ok {
			return m, res, fmt.Errorf("the manifest has no %s bucket", r)
		}
	}
	c, err := o.client()
	if err != nil {
		return m, res, err
	}
	if err := emptyDatabase(ctx, o.DatabaseURL); err != nil {
		return m, res, err
	}
	for _, rb := range o.buckets() {
		if err := emptyBucket(ctx, c, rb[1], rb[0] == RoleArchive); err != nil {
			return m, res, err
		}
	}
	cmd, err := pgCommand(ctx, "pg_restore", o.DatabaseURL, "--no-owner", "--no-privileges", "--exit-on-error",
		"--jobs="+strconv.Itoa(o.jobs()), filepath.Join(dir, m.Database.Dir))
	if err != nil {
		return m, res, err
	}
	if err := runPg(cmd); err != nil {
		return m, res, err
	}
	o.logf("database restored (schema version %d, snapshot of %s)", m.Database.SchemaVersion, m.Database.SnapshotAt.Format(time.RFC3339))
	remap := map[string]map[[2]string]string{} // role -> (key, old version) -> new version
	var mu sync.Mutex
	for _, rb := range o.buckets() {
		b := roles[rb[0]]
		remap[rb[0]] = map[[2]string]string{}
		if err := restoreBucket(ctx, o, c, dir, m, b, rb[1], &res, &mu, remap[rb[0]]); err != nil {
			return m, res, err
		}
		o.logf("bucket %s restored from %s: %d versions", rb[1], b.Name, len(b.Versions))
	}
	n, err := remapVersions(ctx, o.DatabaseURL, remap)
	if err != nil {
		return m, res, err
	}
	res.Remapped = n
	return m, res, nil
}

// emptyDatabase refuses a database with any table, sequence, view or
// function of its own.
func emptyDatabase(ctx context.Context, dbURL string) error {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return fmt.Errorf("restore database: %w (create it first: CREATE DATABASE … owned by GrantFlow's user)", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var rels, funcs int
	var example string
	if err := conn.QueryRow(ctx, `SELECT count(*), coalesce(min(n.nspname || '.' || c.relname), '') FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp%'`).Scan(&rels, &example); err != nil {
		return fmt.Errorf("restore database: %w", err)
	}
	if err := conn.QueryRow(ctx, `SELECT count(*) FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
		WHERE n.nspname NOT IN ('pg_catalog', 'information_schema')`).Scan(&funcs); err != nil {
		return fmt.Errorf("restore database: %w", err)
	}
	if rels > 0 || funcs > 0 {
		return fmt.Errorf("%w: the database holds %d relations (such as %s) and %d functions; restore only into a new, empty database (CREATE DATABASE)", ErrNotEmpty, rels, example, funcs)
	}
	return nil
}

// emptyBucket accepts a missing bucket (it is created: versioned, and with
// object locking for the archive) or an existing one without a single
// version or delete marker (for the archive, with object locking on).
func emptyBucket(ctx context.Context, c *minio.Client, name string, locked bool) error {
	ok, err := c.BucketExists(ctx, name)
	if err != nil {
		return fmt.Errorf("bucket %s: %w", name, err)
	}
	if ok {
		if obj, any := <-c.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true, WithVersions: true, MaxKeys: 1}); any {
			if obj.Err != nil {
				return fmt.Errorf("list %s: %w", name, obj.Err)
			}
			return fmt.Errorf("%w: bucket %s holds objects (such as %s); restore only into new, empty buckets", ErrNotEmpty, name, obj.Key)
		}
		if locked {
			if lock, _, _, _, err := c.GetObjectLockConfig(ctx, name); err != nil || lock != "Enabled" {
				return fmt.Errorf("archive bucket %s exists without object locking: remove it or name a new one (it is created with object locking)", name)
			}
		} else if err := c.EnableVersioning(ctx, name); err != nil {
			return fmt.Errorf("bucket %s versioning: %w", name, err)
		}
		return nil
	}
	if err := c.MakeBucket(ctx, name, minio.MakeBucketOptions{ObjectLocking: locked}); err != nil {
		return fmt.Errorf("create bucket %s: %w", name, err)
	}
	if !locked { // object locking implies versioning
		if err := c.EnableVersioning(ctx, name); err != nil {
			return fmt.Errorf("bucket %s versioning: %w", name, err)
		}
	}
	return nil
}

// restoreBucket writes every version of the backup's bucket b into bucket
// name, each key's versions in their original order, keys in parallel.
func restoreBucket(ctx context.Context, o Options, c *minio.Client, dir string, m Manifest, b BucketDump, name string,
	res *Restored, mu *sync.Mutex, remap map[[2]string]string) error {
	byKey := map[string][]Version{}
	var keys []string
	for _, v := range b.Versions {
		if _, ok := byKey[v.Key]; !ok {
			keys = append(keys, v.Key)
		}
		byKey[v.Key] = append(byKey[v.Key], v)
	}
	sort.Strings(keys)
	now := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.jobs() * 2)
	for _, key := range keys {
		g.Go(func() error {
			for _, v := range byKey[key] {
				if v.DeleteMarker {
					if v.LastModified.After(m.Database.SnapshotAt) {
						mu.Lock()
						res.Skipped++
						mu.Unlock()
						continue
					}
					if err := c.RemoveObject(gctx, name, key, minio.RemoveObjectOptions{}); err != nil {
						return fmt.Errorf("restore delete marker %s/%s: %w", name, key, err)
					}
					mu.Lock()
					res.DeleteMarkers++
					mu.Unlock()
					continue
				}
				f, err := os.Open(objectPath(dir, v.SHA256))
				if err != nil {
					return err
				}
				opts := minio.PutObjectOptions{ContentType: v.ContentType, UserMetadata: v.Metadata, SendContentMd5: b.ObjectLock}
				lockedNow, expired := false, false
				if v.RetentionMode != "" && v.RetainUntil != nil {
					if v.RetainUntil.After(now) {
						opts.Mode, opts.RetainUntilDate, lockedNow = minio.RetentionMode(v.RetentionMode), *v.RetainUntil, true
					} else {
						expired = true
					}
				}
				if v.LegalHold {
					opts.LegalHold = minio.LegalHoldEnabled
				}
				info, err := c.PutObject(gctx, name, key, f, v.Size, opts)
				f.Close()
				if err != nil {
					return fmt.Errorf("restore %s/%s: %w", name, key, err)
				}
				mu.Lock()
				remap[[2]string{key, v.VersionID}] = info.VersionID
				res.Versions++
				res.Bytes += v.Size
				if lockedNow {
					res.Locked++
				}
				if expired {
					res.Expired++
				}
				mu.Unlock()
			}
			return nil
		})
	}
	return g.Wait()
}

// versionColumns are the database columns that name an object version, by
// the bucket role they refer to: table, key column, version column.
var versionColumns = map[string][][3]string{
	RoleDocuments: {{"call_attachments", "object_key", "version_id"}},
	RoleArchive:   {{"archive_objects", "key", "version_id"}},
}

// remapVersions points every row that names an object version at the
// version the restored store gave it, in one transaction.
func remapVersions(ctx context.Context, dbURL string, remap map[string]map[[2]string]string) (int64, error) {
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.Begin(ctx)
	if err != nil {
		return 0, err
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // a no-op after Commit
	var total int64
	for role, cols := range versionColumns {
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE IF NOT EXISTS version_map (key text, old text, new text) ON COMMIT DROP`); err != nil {
			return 0, err
		}
		if _, err := tx.Exec(ctx, `TRUNCATE version_map`); err != nil {
			return 0, err
		}
		var rows [][]any
		for k, nv := range remap[role] {
			if k[1] != nv {
				rows = append(rows, []any{k[0], k[1], nv})
			}
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"version_map"}, []string{"key", "old", "new"}, pgx.CopyFromRows(rows)); err != nil {
			return 0, err
		}
		for _, c := range cols {
			tag, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %[1]s t SET %[3]s = m.new FROM version_map m WHERE t.%[2]s = m.key AND t.%[3]s = m.old`,
				pgx.Identifier{c[0]}.Sanitize(), pgx.Identifier{c[1]}.Sanitize(), pgx.Identifier{c[2]}.Sanitize()))
			if err != nil {
				return 0, fmt.Errorf("remap %s.%s: %w", c[0], c[2], err)
			}
			total += tag.RowsAffected()
		}
	}
	return total, tx.Commit(ctx)
}
