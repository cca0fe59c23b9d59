package service

import (
	"context"
	"errors"
	"time"

	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// ArchiveObjects lists an archived project's package (civil affairs).
func (s *Evaluations) ArchiveObjects(ctx context.Context, by domain.Actor, id string) (domain.Project, []store.ArchivedObject, error) {
	if err := auth.Authorize(by.User(), auth.ActionVerifyArchive, ""); err != nil {
		return domain.Project{}, nil, err
	}
	p, err := s.Contracts.Get(ctx, by, id)
	if err != nil {
		return domain.Project{}, nil, err
	}
	objs, err := s.ArchiveOf(ctx, by, p)
	return p, objs, err
}

// ArchiveOf is ArchiveObjects for a project already loaded through
// Contracts.Get (its page).
func (s *Evaluations) ArchiveOf(ctx context.Context, by domain.Actor, p domain.Project) ([]store.ArchivedObject, error) {
	if err := auth.Authorize(by.User(), auth.ActionVerifyArchive, p.District); err != nil {
		return nil, err
	}
	return s.Store.ArchivedObjects(ctx, p.ID)
}

// Verify re-reads every archived object of a project (civil affairs).
func (s *Evaluations) Verify(ctx context.Context, by domain.Actor, id string) (ArchiveReport, error) {
	p, _, err := s.ArchiveObjects(ctx, by, id)
	if err != nil {
		return ArchiveReport{}, err
	}
	rep, err := VerifyArchive(ctx, s.Store, s.Archive, p)
	if err != nil {
		return ArchiveReport{}, err
	}
	return rep, s.Store.Record(ctx, store.Audit{By: by, Action: "archive.verify", ObjectType: "project", ObjectID: p.ID,
		Summary: map[string]any{"objects": rep.Objects, "problems": len(rep.Problems)}})
}

// ArchiveProblem is an archived object that failed verification.
type ArchiveProblem struct {
	Key      string `json:"key"`
	Problem  string `json:"problem"` // missing, altered
	Recorded string `json:"recorded_sha256"`
	Read     string `json:"read_sha256,omitempty"`
	Message  string `json:"message"`
}

// ArchiveReport is what a verification found.
type ArchiveReport struct {
	ProjectID string           `json:"project_id"`
	Number    string           `json:"number"`
	Objects   int              `json:"objects"` // the manifest included
	Bytes     int64            `json:"bytes"`
	Problems  []ArchiveProblem `json:"problems"`
	CheckedAt time.Time        `json:"checked_at"`
}

// OK reports whether every object is there and intact.
func (r ArchiveReport) OK() bool { return len(r.Problems) == 0 }

// VerifyArchive re-reads the manifest and every object of a project's
// archive package from the archive bucket, hashing what it reads, and names
// every object that is missing or whose bytes differ from the SHA-256
// recorded when it was archived. It trusts neither the store's metadata nor
// the manifest alone: the database holds the manifest's digest and the
// object list.
func VerifyArchive(ctx context.Context, st *store.Store, archive *blob.Store, p domain.Project) (ArchiveReport, error) {
	if p.ArchivedAt.IsZero() {
		return ArchiveReport{}, domain.Errorf(domain.CodeConflict, "项目 %s 尚未归档。", p.Number)
	}
	objs, err := st.ArchivedObjects(ctx, p.ID)
	if err != nil {
		return ArchiveReport{}, err
	}
	rep := ArchiveReport{ProjectID: p.ID, Number: p.Number, CheckedAt: time.Now()}
	check := func(key, want string) error {
		rep.Objects++
		got, n, _, err := archive.ReadCurrent(ctx, key)
		switch {
		case errors.Is(err, blob.ErrMissing):
			rep.Problems = append(rep.Problems, ArchiveProblem{Key: key, Problem: "missing", Recorded: want,
				Message: "档案对象缺失（已被删除或从未写入）"})
		case err != nil:
			return err
		case got != want:
			rep.Bytes += n
			rep.Problems = append(rep.Problems, ArchiveProblem{Key: key, Problem: "altered", Recorded: want, Read: got,
				Message: "档案对象内容与归档时的 SHA-256 不一致（已被篡改或覆盖）"})
		default:
			rep.Bytes += n
		}
		return nil
	}
	if err := check(p.ManifestKey, p.ManifestSHA); err != nil {
		return ArchiveReport{}, err
	}
	for _, o := range objs {
		if err := check(o.Key, o.SHA256); err != nil {
			return ArchiveReport{}, err
		}
	}
	return rep, nil
}
