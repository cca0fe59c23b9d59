package backup

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCheckNamesEveryDamagedFile: Check passes an intact backup and names a
// dump file altered, an object's bytes altered and an object missing.
func TestCheckNamesEveryDamagedFile(t *testing.T) {
	dir := t.TempDir()
	write := func(rel string, data []byte) string {
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		return hex.EncodeToString(sum[:])
	}
	toc := write("database/toc.dat", []byte("PGDMP toc"))
	m := Manifest{Format: FormatVersion, Database: DatabaseDump{Dir: "database", Files: []FileHash{{Path: "toc.dat", Size: 9, SHA256: toc}}}}
	var versions []Version
	for _, body := range []string{"合同 PDF", "培训记录", "付款凭证"} {
		sum := sha256.Sum256([]byte(body))
		sha := hex.EncodeToString(sum[:])
		write(filepath.Join("objects", sha[:2], sha), []byte(body))
		versions = append(versions, Version{Key: "k/" + body, VersionID: "v1", Size: int64(len(body)), SHA256: sha})
	}
	versions = append(versions, Version{Key: "k/deleted", VersionID: "v2", DeleteMarker: true})
	m.Buckets = []BucketDump{{Role: RoleArchive, Name: "a", Versions: versions}}
	if err := writeManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	got, err := ReadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if probs := Check(dir, got); len(probs) != 0 {
		t.Fatalf("an intact backup: %+v", probs)
	}
	write("database/toc.dat", []byte("PGDMP tox"))
	p := objectPath(dir, versions[0].SHA256)
	raw, _ := os.ReadFile(p)
	raw[0] ^= 1
	_ = os.WriteFile(p, raw, 0o600)
	_ = os.Remove(objectPath(dir, versions[2].SHA256))
	probs := Check(dir, got)
	if len(probs) != 3 || !strings.Contains(probs[0].Path, "toc.dat") || !strings.Contains(probs[1].Reason, "k/合同 PDF") || !strings.Contains(probs[2].Reason, "k/付款凭证") {
		t.Fatalf("problems: %+v", probs)
	}
	if _, err := ReadManifest(t.TempDir()); err == nil || !strings.Contains(err.Error(), "did not finish") {
		t.Fatalf("a directory without a manifest: %v", err)
	}
}

// TestPasswordNotOnCommandLine: pg_dump gets the password in PGPASSWORD,
// never in its arguments (which `ps` shows).
func TestPasswordNotOnCommandLine(t *testing.T) {
	t.Setenv("GRANTFLOW_PG_BINDIR", t.TempDir())
	_ = os.WriteFile(filepath.Join(os.Getenv("GRANTFLOW_PG_BINDIR"), "pg_dump"), []byte("#!/bin/sh\n"), 0o755)
	cmd, err := pgCommand(context.Background(), "pg_dump", "postgres://grantflow:s3cret@db:5432/grantflow?sslmode=require", "--format=directory")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(strings.Join(cmd.Args, " "), "s3cret") {
		t.Fatalf("the password is on the command line: %v", cmd.Args)
	}
	if !strings.Contains(strings.Join(cmd.Args, " "), "--dbname=postgres://grantflow@db:5432/grantflow?sslmode=require") {
		t.Fatalf("args: %v", cmd.Args)
	}
	found := false
	for _, e := range cmd.Env {
		found = found || e == "PGPASSWORD=s3cret"
	}
	if !found {
		t.Fatal("PGPASSWORD not set")
	}
}
