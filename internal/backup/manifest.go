// Package backup writes and restores a consistent backup of what GrantFlow
// owns: its PostgreSQL database (pg_dump, directory format, from one
// exported snapshot) and both buckets of its object store (every version of
// every object, its SHA-256, content type, metadata, and its object-lock
// retention and legal hold), into one directory with a manifest.
//
// Consistency: the database is dumped first, from a snapshot whose time the
// manifest records; the buckets are copied after it. Every row of the dump
// was committed before its snapshot, and GrantFlow writes an object before
// the row that refers to it, so every object the dump refers to was written
// before the snapshot and is in the copy (both buckets are versioned: an
// object deleted meanwhile is still there as an older version). Objects
// written after the snapshot come along too; no row refers to them. A
// delete marker written after the snapshot is not restored, so an object
// the restored rows still refer to stays readable.
//
// Temporal's own persistence is not GrantFlow's: the Temporal cluster's
// operator backs it up (README, "Backup and restore").
package backup

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// FormatVersion is the manifest's format.
const FormatVersion = 1

// ManifestName is the manifest's file name in a backup directory; it is
// written last, so a directory without it is an unfinished backup.
const ManifestName = "manifest.json"

// Bucket roles.
const (
	RoleDocuments = "documents"
	RoleArchive   = "archive"
)

// Manifest describes one backup.
type Manifest struct {
	Format     int          `json:"format"`
	StartedAt  time.Time    `json:"started_at"`
	FinishedAt time.Time    `json:"finished_at"`
	Database   DatabaseDump `json:"database"`
	Buckets    []BucketDump `json:"buckets"`
}

// DatabaseDump is the pg_dump part.
type DatabaseDump struct {
	Dir string `json:"dir"` // pg_dump directory format, relative to the backup
	// SnapshotAt is the database's clock when the dump's snapshot was
	// taken: the backup's recovery point.
	SnapshotAt    time.Time  `json:"snapshot_at"`
	ServerVersion string     `json:"server_version"`
	PgDump        string     `json:"pg_dump"` // pg_dump --version
	SchemaVersion int64      `json:"schema_version"`
	Files         []FileHash `json:"files"`
	Bytes         int64      `json:"bytes"`
}

// FileHash is one file of the dump.
type FileHash struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// BucketDump is one bucket's copy.
type BucketDump struct {
	Role       string `json:"role"` // documents or archive
	Name       string `json:"name"`
	Versioning string `json:"versioning"`
	ObjectLock bool   `json:"object_lock"`
	// Versions of every key, each key's oldest first (the order a restore
	// writes them in).
	Versions []Version `json:"versions"`
	Bytes    int64     `json:"bytes"`
}

// Version is one version of one object (or a delete marker).
type Version struct {
	Key          string            `json:"key"`
	VersionID    string            `json:"version_id"`
	IsLatest     bool              `json:"is_latest,omitempty"`
	DeleteMarker bool              `json:"delete_marker,omitempty"`
	LastModified time.Time         `json:"last_modified"`
	Size         int64             `json:"size"`
	SHA256       string            `json:"sha256,omitempty"` // of the bytes read; the file is objects/<sha256[:2]>/<sha256>
	ContentType  string            `json:"content_type,omitempty"`
	Metadata     map[string]string `json:"metadata,omitempty"` // user metadata (x-amz-meta-*)
	// RecordedSHA256 differs from SHA256 when the object was already
	// damaged in the store when it was copied.
	RecordedSHA256 string     `json:"recorded_sha256,omitempty"`
	RetentionMode  string     `json:"retention_mode,omitempty"` // COMPLIANCE or GOVERNANCE
	RetainUntil    *time.Time `json:"retain_until,omitempty"`
	LegalHold      bool       `json:"legal_hold,omitempty"`
}

// Damaged reports a version whose bytes did not match the SHA-256 recorded
// in its metadata when it was copied.
func (v Version) Damaged() bool {
	return !v.DeleteMarker && v.RecordedSHA256 != "" && v.RecordedSHA256 != v.SHA256
}

// objectPath is where a version's bytes live in a backup directory.
func objectPath(dir, sha string) string {
	return filepath.Join(dir, "objects", sha[:2], sha)
}

// ReadManifest reads a backup directory's manifest.
func ReadManifest(dir string) (Manifest, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ManifestName))
	if os.IsNotExist(err) {
		return Manifest{}, fmt.Errorf("%s has no %s: it is not a GrantFlow backup, or the backup did not finish", dir, ManifestName)
	}
	if err != nil {
		return Manifest{}, err
	}
	var m Manifest
	if err := json.Unmarshal(raw, &m); err != nil {
		return Manifest{}, fmt.Errorf("%s: %w", ManifestName, err)
	}
	if m.Format != FormatVersion {
		return Manifest{}, fmt.Errorf("%s: format %d, this grantflow reads format %d", ManifestName, m.Format, FormatVersion)
	}
	return m, nil
}

func writeManifest(dir string, m Manifest) error {
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, ManifestName+".tmp")
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(raw); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, ManifestName))
}

// hashFile returns a file's SHA-256 and size.
func hashFile(path string) (string, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// Problem is something wrong with a backup directory.
type Problem struct {
	Path   string
	Reason string
}

// Check re-reads every file a backup's manifest names and hashes it: the
// dump's files and every object version's bytes.
func Check(dir string, m Manifest) []Problem {
	var out []Problem
	for _, f := range m.Database.Files {
		p := filepath.Join(dir, m.Database.Dir, f.Path)
		sum, n, err := hashFile(p)
		switch {
		case err != nil:
			out = append(out, Problem{p, err.Error()})
		case sum != f.SHA256 || n != f.Size:
			out = append(out, Problem{p, fmt.Sprintf("sha256 %s (%d bytes), the manifest says %s (%d bytes)", sum, n, f.SHA256, f.Size)})
		}
	}
	seen := map[string]bool{}
	for _, b := range m.Buckets {
		for _, v := range b.Versions {
			if v.DeleteMarker || seen[v.SHA256] {
				continue
			}
			seen[v.SHA256] = true
			p := objectPath(dir, v.SHA256)
			sum, n, err := hashFile(p)
			switch {
			case err != nil:
				out = append(out, Problem{p, fmt.Sprintf("%s/%s: %v", b.Name, v.Key, err)})
			case sum != v.SHA256 || n != v.Size:
				out = append(out, Problem{p, fmt.Sprintf("%s/%s: sha256 %s (%d bytes), the manifest says %s (%d bytes)", b.Name, v.Key, sum, n, v.SHA256, v.Size)})
			}
		}
	}
	return out
}
