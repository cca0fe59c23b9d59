package backup

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"golang.org/x/sync/errgroup"

	"grantflow/internal/config"
)

// metaSHA256 is the user-metadata key internal/blob records an object's
// SHA-256 under.
const metaSHA256 = "Sha256"

// Options say what to back up or restore into.
type Options struct {
	DatabaseURL string
	S3          S3
	// Buckets by role: the documents bucket and the object-locked archive.
	DocumentsBucket, ArchiveBucket string
	// Jobs is how many pg_dump / pg_restore jobs and object copies run at
	// once (default 2).
	Jobs int
	// Log receives one line per step (may be nil).
	Log io.Writer
}

// S3 says where the object store is.
type S3 struct {
	Endpoint, AccessKey, SecretKey, Region string
	UseTLS                                 bool
}

// FromConfig takes the database and the buckets GrantFlow is configured with.
func FromConfig(cfg config.Config) Options {
	return Options{DatabaseURL: cfg.DatabaseURL, DocumentsBucket: cfg.S3Bucket, ArchiveBucket: cfg.ArchiveBucket,
		S3: S3{Endpoint: cfg.S3Endpoint, AccessKey: cfg.S3AccessKey, SecretKey: cfg.S3SecretKey, Region: cfg.S3Region, UseTLS: cfg.S3UseTLS}}
}

func (o Options) jobs() int {
	if o.Jobs < 1 {
		return 2
	}
	return o.Jobs
}

func (o Options) logf(format string, args ...any) {
	if o.Log != nil {
		fmt.Fprintf(o.Log, format+"\n", args...)
	}
}

func (o Options) client() (*minio.Client, error) {
	c, err := minio.New(o.S3.Endpoint, &minio.Options{
		Creds:  credentials.NewStaticV4(o.S3.AccessKey, o.S3.SecretKey, ""),
		Secure: o.S3.UseTLS, Region: o.S3.Region,
	})
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", o.S3.Endpoint, err)
	}
	return c, nil
}

func (o Options) buckets() [][2]string {
	return [][2]string{{RoleDocuments, o.DocumentsBucket}, {RoleArchive, o.ArchiveBucket}}
}

// PgTool finds a PostgreSQL client program (pg_dump, pg_restore):
// $GRANTFLOW_PG_BINDIR if set, else PATH, else Debian's
// /usr/lib/postgresql/15/bin (where the dev stack finds its server).
func PgTool(name string) (string, error) {
	if d := os.Getenv("GRANTFLOW_PG_BINDIR"); d != "" {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
		return "", fmt.Errorf("%s not found in GRANTFLOW_PG_BINDIR (%s)", name, d)
	}
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := filepath.Join("/usr/lib/postgresql/15/bin", name)
	if _, err := os.Stat(p); err == nil {
		return p, nil
	}
	return "", fmt.Errorf("%s not found on PATH nor in /usr/lib/postgresql/15/bin: install the PostgreSQL client (apt-get install postgresql-client-15, or the version of your server) or set GRANTFLOW_PG_BINDIR", name)
}

// pgCommand runs a PostgreSQL client program against url without putting
// the password on its command line (where `ps` shows it): it goes in
// PGPASSWORD.
func pgCommand(ctx context.Context, tool, dbURL string, args ...string) (*exec.Cmd, error) {
	bin, err := PgTool(tool)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		return nil, fmt.Errorf("GRANTFLOW_DATABASE_URL: %w", err)
	}
	env := os.Environ()
	if u.User != nil {
		if pw, ok := u.User.Password(); ok {
			env = append(env, "PGPASSWORD="+pw)
			u.User = url.User(u.User.Username())
		}
	}
	cmd := exec.CommandContext(ctx, bin, append(args, "--dbname="+u.String())...)
	cmd.Env = env
	return cmd, nil
}

func runPg(cmd *exec.Cmd) error {
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %v\n%s", filepath.Base(cmd.Path), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// Backup writes a backup into dir, which must not exist or be empty.
func Backup(ctx context.Context, o Options, dir string) (Manifest, error) {
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return Manifest{}, fmt.Errorf("backup directory %s is not empty: give a new directory for every backup", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return Manifest{}, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "objects"), 0o700); err != nil {
		return Manifest{}, err
	}
	m := Manifest{Format: FormatVersion, StartedAt: time.Now().UTC()}
	if err := dumpDatabase(ctx, o, dir, &m.Database); err != nil {
		return Manifest{}, err
	}
	o.logf("database: snapshot at %s, %d files, %d bytes", m.Database.SnapshotAt.Format(time.RFC3339Nano), len(m.Database.Files), m.Database.Bytes)
	c, err := o.client()
	if err != nil {
		return Manifest{}, err
	}
	for _, rb := range o.buckets() {
		b, err := copyBucket(ctx, o, c, dir, rb[0], rb[1])
		if err != nil {
			return Manifest{}, err
		}
		damaged := 0
		for _, v := range b.Versions {
			if v.Damaged() {
				damaged++
				o.logf("WARNING %s/%s (version %s) was already damaged in the store: its bytes hash to %s, its metadata says %s", b.Name, v.Key, v.VersionID, v.SHA256, v.RecordedSHA256)
			}
		}
		o.logf("bucket %s (%s): %d versions, %d bytes, object lock %v, %d damaged", b.Name, b.Role, len(b.Versions), b.Bytes, b.ObjectLock, damaged)
		m.Buckets = append(m.Buckets, b)
	}
	m.FinishedAt = time.Now().UTC()
	if err := writeManifest(dir, m); err != nil {
		return Manifest{}, err
	}
	return m, nil
}

// dumpDatabase runs pg_dump in directory format from a snapshot exported by
// a transaction of ours, so the manifest knows the snapshot's time.
func dumpDatabase(ctx context.Context, o Options, dir string, d *DatabaseDump) error {
	conn, err := pgx.Connect(ctx, o.DatabaseURL)
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	tx, err := conn.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return fmt.Errorf("database: %w", err)
	}
	defer func() { _ = tx.Rollback(context.WithoutCancel(ctx)) }() // read-only: nothing to keep
	var snapshot string
	if err := tx.QueryRow(ctx, `SELECT pg_export_snapshot(), clock_timestamp(), current_setting('server_version')`).Scan(&snapshot, &d.SnapshotAt, &d.ServerVersion); err != nil {
		return fmt.Errorf("database snapshot: %w", err)
	}
	d.SnapshotAt = d.SnapshotAt.UTC()
	if err := tx.QueryRow(ctx, `SELECT coalesce(max(version_id), 0) FROM goose_db_version WHERE is_applied`).Scan(&d.SchemaVersion); err != nil {
		return fmt.Errorf("database schema version (is this GrantFlow's database, migrated?): %w", err)
	}
	d.Dir = "database"
	cmd, err := pgCommand(ctx, "pg_dump", o.DatabaseURL, "--format=directory", "--jobs="+strconv.Itoa(o.jobs()),
		"--snapshot="+snapshot, "--no-owner", "--no-privileges", "--file="+filepath.Join(dir, d.Dir))
	if err != nil {
		return err
	}
	if out, err := exec.Command(cmd.Path, "--version").Output(); err == nil {
		d.PgDump = strings.TrimSpace(string(out))
	}
	if err := runPg(cmd); err != nil {
		return err
	}
	root := filepath.Join(dir, d.Dir)
	return filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		sum, n, err := hashFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		d.Files = append(d.Files, FileHash{Path: rel, Size: n, SHA256: sum})
		d.Bytes += n
		return nil
	})
}

// copyBucket copies every version of every object of a bucket.
func copyBucket(ctx context.Context, o Options, c *minio.Client, dir, role, name string) (BucketDump, error) {
	b := BucketDump{Role: role, Name: name}
	ok, err := c.BucketExists(ctx, name)
	if err != nil {
		return b, fmt.Errorf("bucket %s: %w", name, err)
	}
	if !ok {
		return b, fmt.Errorf("bucket %s does not exist (is GRANTFLOW_%s right?)", name, map[string]string{RoleDocuments: "S3_BUCKET", RoleArchive: "ARCHIVE_BUCKET"}[role])
	}
	vc, err := c.GetBucketVersioning(ctx, name)
	if err != nil {
		return b, fmt.Errorf("bucket %s versioning: %w", name, err)
	}
	b.Versioning = vc.Status
	if lock, _, _, _, err := c.GetObjectLockConfig(ctx, name); err == nil && lock == "Enabled" {
		b.ObjectLock = true
	}
	// Listed newest first within a key; a restore writes the oldest first.
	var listed []minio.ObjectInfo
	for obj := range c.ListObjects(ctx, name, minio.ListObjectsOptions{Recursive: true, WithVersions: true}) {
		if obj.Err != nil {
			return b, fmt.Errorf("list %s: %w", name, obj.Err)
		}
		listed = append(listed, obj)
	}
	for i := 0; i < len(listed); {
		j := i
		for j < len(listed) && listed[j].Key == listed[i].Key {
			j++
		}
		slices.Reverse(listed[i:j])
		sort.SliceStable(listed[i:j], func(a, b int) bool { return listed[i+a].LastModified.Before(listed[i+b].LastModified) })
		i = j
	}
	b.Versions = make([]Version, len(listed))
	var mu sync.Mutex
	writing := map[string]*sync.Mutex{} // one writer per content
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(o.jobs() * 2)
	for i, obj := range listed {
		g.Go(func() error {
			v := Version{Key: obj.Key, VersionID: obj.VersionID, IsLatest: obj.IsLatest, DeleteMarker: obj.IsDeleteMarker,
				LastModified: obj.LastModified.UTC()}
			if !v.DeleteMarker {
				if err := copyVersion(gctx, c, dir, name, b.ObjectLock, &v, &mu, writing); err != nil {
					return err
				}
			}
			b.Versions[i] = v
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return b, err
	}
	for _, v := range b.Versions {
		b.Bytes += v.Size
	}
	return b, nil
}

// copyVersion reads one version, hashing it as it goes into a temporary
// file that becomes objects/<sha256[:2]>/<sha256> (equal contents are kept
// once), and records its metadata and retention.
func copyVersion(ctx context.Context, c *minio.Client, dir, bucket string, locked bool, v *Version, mu *sync.Mutex, writing map[string]*sync.Mutex) error {
	info, err := c.StatObject(ctx, bucket, v.Key, minio.StatObjectOptions{VersionID: v.VersionID})
	if err != nil {
		return fmt.Errorf("stat %s/%s@%s: %w", bucket, v.Key, v.VersionID, err)
	}
	obj, err := c.GetObject(ctx, bucket, v.Key, minio.GetObjectOptions{VersionID: v.VersionID})
	if err != nil {
		return fmt.Errorf("get %s/%s@%s: %w", bucket, v.Key, v.VersionID, err)
	}
	defer obj.Close()
	tmp, err := os.CreateTemp(filepath.Join(dir, "objects"), ".part-")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), obj)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("read %s/%s@%s: %w", bucket, v.Key, v.VersionID, err)
	}
	if n != info.Size {
		return fmt.Errorf("read %s/%s@%s: %d bytes of %d", bucket, v.Key, v.VersionID, n, info.Size)
	}
	v.Size, v.SHA256, v.ContentType = n, hex.EncodeToString(h.Sum(nil)), info.ContentType
	if len(info.UserMetadata) > 0 {
		v.Metadata = map[string]string{}
		for k, val := range info.UserMetadata {
			v.Metadata[k] = val
		}
		v.RecordedSHA256 = info.UserMetadata[metaSHA256]
	}
	if locked {
		mode, until, err := c.GetObjectRetention(ctx, bucket, v.Key, v.VersionID)
		if err != nil && minio.ToErrorResponse(err).Code != "NoSuchObjectLockConfiguration" {
			return fmt.Errorf("retention of %s/%s@%s: %w", bucket, v.Key, v.VersionID, err)
		}
		if mode != nil && until != nil {
			v.RetentionMode = string(*mode)
			u := until.UTC()
			v.RetainUntil = &u
		}
		hold, err := c.GetObjectLegalHold(ctx, bucket, v.Key, minio.GetObjectLegalHoldOptions{VersionID: v.VersionID})
		if err != nil && minio.ToErrorResponse(err).Code != "NoSuchObjectLockConfiguration" {
			return fmt.Errorf("legal hold of %s/%s@%s: %w", bucket, v.Key, v.VersionID, err)
		}
		v.LegalHold = hold != nil && *hold == minio.LegalHoldEnabled
	}
	mu.Lock()
	l, ok := writing[v.SHA256]
	if !ok {
		l = &sync.Mutex{}
		writing[v.SHA256] = l
	}
	mu.Unlock()
	l.Lock()
	defer l.Unlock()
	final := objectPath(dir, v.SHA256)
	if _, err := os.Stat(final); err == nil {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(final), 0o700); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), final)
}
