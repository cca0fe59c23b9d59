package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"grantflow/internal/app"
	"grantflow/internal/backup"
	"grantflow/internal/config"
)

// backupOrRestore runs `grantflow backup <dir>`, `grantflow backup check
// <dir>` and `grantflow restore <dir>`. They need the database and the
// object store only, not Temporal.
func backupOrRestore(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	o := backup.FromConfig(cfg)
	o.Log = stdout
	start := time.Now()
	switch {
	case args[0] == "backup" && len(args) == 3:
		dir := args[2]
		m, err := backup.ReadManifest(dir)
		if err != nil {
			return err
		}
		probs := backup.Check(dir, m)
		for _, p := range probs {
			fmt.Fprintf(stdout, "BROKEN   %s: %s\n", p.Path, p.Reason)
		}
		if len(probs) > 0 {
			fmt.Fprintf(stdout, "backup %s BROKEN: %d file(s) missing or altered\n", dir, len(probs))
			return backup.ErrDamaged
		}
		fmt.Fprintf(stdout, "backup %s intact: %d database files and every object version re-read and hashed (snapshot of %s)\n",
			dir, len(m.Database.Files), m.Database.SnapshotAt.Format(time.RFC3339))
		return nil
	case args[0] == "backup":
		m, err := backup.Backup(ctx, o, args[1])
		if err != nil {
			return err
		}
		versions, bytes := 0, m.Database.Bytes
		for _, b := range m.Buckets {
			versions += len(b.Versions)
			bytes += b.Bytes
		}
		fmt.Fprintf(stdout, "backup written to %s in %s: the database as of %s (recovery point) and %d object versions, %d bytes in all\n",
			args[1], time.Since(start).Round(time.Millisecond), m.Database.SnapshotAt.Format(time.RFC3339Nano), versions, bytes)
		return nil
	default:
		m, res, err := backup.Restore(ctx, o, args[1])
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "restored %s in %s: the database as of %s; %d object versions (%d bytes, %d locked again, %d whose retention had ended), %d delete markers, %d later delete markers left out; %d rows point at the new version IDs\n",
			args[1], time.Since(start).Round(time.Millisecond), m.Database.SnapshotAt.Format(time.RFC3339Nano),
			res.Versions, res.Bytes, res.Locked, res.Expired, res.DeleteMarkers, res.Skipped, res.Remapped)
		fmt.Fprintln(stdout, "next: grantflow migrate; start web and worker; grantflow audit verify; grantflow archive verify <project>; grantflow reconcile (README, \"Backup and restore\", for Temporal)")
		return nil
	}
}

// errDisagree makes `grantflow reconcile` exit with status 2.
var errDisagree = errors.New("database and Temporal disagree")

func reconcile(ctx context.Context, a *app.App, stdout io.Writer) error {
	n, ms, err := backup.Reconcile(ctx, a.Store.Pool(), a.Temporal)
	if err != nil {
		return err
	}
	for _, m := range ms {
		fmt.Fprintln(stdout, m)
	}
	if len(ms) > 0 {
		fmt.Fprintf(stdout, "%d of %d calls and projects disagree with their workflows (README, \"Backup and restore\", says what to do)\n", len(ms), n)
		return errDisagree
	}
	fmt.Fprintf(stdout, "%d calls and projects agree with their workflows\n", n)
	return nil
}
