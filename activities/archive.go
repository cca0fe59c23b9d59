package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"mime"
	"path"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/report"
	"grantflow/internal/store"
)

// ArchiveProgress is how far an archive package is (the activity's
// heartbeat; the project page shows it while the package is written).
type ArchiveProgress struct {
	Written int `json:"written"`
	Total   int `json:"total"`
}

// ArchiveResult is the archive package written.
type ArchiveResult struct {
	ManifestKey    string
	ManifestSHA256 string
	Objects        int
}

// Manifest is the archive package's index, stored beside its objects.
type Manifest struct {
	ProjectID  string                 `json:"project_id"`
	Number     string                 `json:"number"`
	Title      string                 `json:"title"`
	OrgName    string                 `json:"org_name"`
	Stage      domain.ProjectStage    `json:"stage"`
	Grade      domain.Grade           `json:"grade,omitempty"`
	ArchivedAt time.Time              `json:"archived_at"`
	Objects    []store.ArchivedObject `json:"objects"`
}

// ArchiveProject writes the archive package: the final (or termination)
// report PDF, the training records as JSON, and a copy of every stored
// document of the project, each locked in the archive bucket until its
// class's retention ends, plus a manifest with every SHA-256. The project
// becomes read-only. Idempotent: an archived project returns its package.
func (a *Activities) ArchiveProject(ctx context.Context, projectID string) (ArchiveResult, error) {
	p, err := a.Store.Project(ctx, projectID)
	if err != nil {
		return ArchiveResult{}, nonRetryable(err)
	}
	if !p.ArchivedAt.IsZero() {
		return ArchiveResult{ManifestKey: p.ManifestKey, ManifestSHA256: p.ManifestSHA}, nil
	}
	// A retry (a timed-out or stopped attempt, a failed read) builds the
	// same package: the same date, so the same bytes, and whatever is
	// already in the locked bucket is kept, not written again.
	now, err := a.Store.BeginArchive(ctx, p.ID)
	if err != nil {
		return ArchiveResult{}, err
	}
	rep, records, sources, err := a.archiveSources(ctx, p, now)
	if err != nil {
		return ArchiveResult{}, err
	}
	prefix := "projects/" + p.ID + "/"
	objs, err := a.writeArchive(ctx, p, prefix, now, records, sources)
	if err != nil {
		return ArchiveResult{}, err
	}
	m := Manifest{ProjectID: p.ID, Number: p.Number, Title: p.Title, OrgName: p.OrgName, Stage: p.Stage, Grade: p.Grade, ArchivedAt: now, Objects: objs}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return ArchiveResult{}, err
	}
	man, _, err := a.Archive.PutLockedOnce(ctx, prefix+"manifest.json", data, "application/json", a.LockMode, now.AddDate(store.ClassAccounting.Years(), 0, 0))
	if err != nil {
		return ArchiveResult{}, err
	}
	if err := a.Store.RecordArchive(ctx, p.ID, objs, man.Key, man.SHA256, rep.Key, rep.SHA256); err != nil {
		return ArchiveResult{}, nonRetryable(err)
	}
	text := fmt.Sprintf("项目 %s 已归档：%d 个文件及清单已锁定保存（采购文件 15 年、会计凭证 30 年、培训记录 10 年），清单 SHA-256 %s。项目资料此后只读。",
		p.Number, len(objs), man.SHA256[:16]+"…")
	for i, to := range []domain.NoticeTo{{OrgID: p.OrgID}, {Role: domain.RoleCivilAffairs, District: p.District}} {
		if err := a.Store.AddNotice(ctx, p.CallID, to, "project.archived", text, fmt.Sprintf("archive/%s/%d", p.ID, i)); err != nil {
			return ArchiveResult{}, err
		}
	}
	return ArchiveResult{ManifestKey: man.Key, ManifestSHA256: man.SHA256, Objects: len(objs)}, nil
}

// archiveSources gathers what the archive package holds: the final (or
// termination) report, stored as rep, the training records as JSON, and
// the project's stored documents with the report among them.
func (a *Activities) archiveSources(ctx context.Context, p domain.Project, now time.Time) (rep blob.Object, records []byte, sources []store.ArchiveSource, err error) {
	pdf, err := a.finalReport(ctx, p, now)
	if err != nil {
		return blob.Object{}, nil, nil, err
	}
	rep, _, err = a.Blob.PutOnce(ctx, fmt.Sprintf("projects/%s/final-report.pdf", p.ID), pdf, "application/pdf")
	if err != nil {
		return blob.Object{}, nil, nil, err
	}
	records, err = a.trainingRecords(ctx, p)
	if err != nil {
		return blob.Object{}, nil, nil, err
	}
	sources, err = a.Store.ArchiveSources(ctx, p)
	if err != nil {
		return blob.Object{}, nil, nil, err
	}
	kind := "结项报告"
	if p.Stage == domain.ProjectTerminated {
		kind = "终止报告"
	}
	sources = append(sources, store.ArchiveSource{Key: rep.Key, SHA256: rep.SHA256, Name: kind + "-" + p.Number + ".pdf", Class: store.ClassProcurement})
	return rep, records, sources, nil
}

// writeArchive copies the training records and every source into the
// locked bucket under prefix, numbered in order, each locked until its
// class's retention ends (counted from now).
func (a *Activities) writeArchive(ctx context.Context, p domain.Project, prefix string, now time.Time, records []byte, sources []store.ArchiveSource) ([]store.ArchivedObject, error) {
	w := archiveWriter{a: a, prefix: prefix, now: now, total: len(sources) + 1}
	if err := w.put(ctx, "培训记录-"+p.Number+".json", "database", records, store.ClassTraining); err != nil {
		return nil, err
	}
	for _, s := range sources {
		data, _, err := a.Blob.Get(ctx, s.Key, s.SHA256)
		if err != nil {
			return nil, fmt.Errorf("archive %s: %w", s.Key, err)
		}
		if err := w.put(ctx, strings.ReplaceAll(s.Name, "/", "-"), s.Key, data, s.Class); err != nil {
			return nil, err
		}
	}
	return w.objs, nil
}

// archiveWriter writes an archive package's objects one by one.
type archiveWriter struct {
	a      *Activities
	prefix string
	now    time.Time
	total  int // objects to write, for the progress the page shows
	objs   []store.ArchivedObject
}

// put writes one object, locked until its class's retention ends.
func (w *archiveWriter) put(ctx context.Context, name, source string, data []byte, class store.RetentionClass) error {
	ct := mime.TypeByExtension(path.Ext(name))
	if ct == "" {
		ct = "application/octet-stream"
	}
	until := w.now.AddDate(class.Years(), 0, 0)
	if err := stopping(ctx); err != nil {
		return err // the retry goes on from here, skipping what is written
	}
	obj, _, err := w.a.Archive.PutLockedOnce(ctx, fmt.Sprintf("%s%03d-%s", w.prefix, len(w.objs)+1, name), data, ct, w.a.LockMode, until)
	if err != nil {
		return err
	}
	w.objs = append(w.objs, store.ArchivedObject{Key: obj.Key, Source: source, Class: class, SHA256: obj.SHA256, Size: obj.Size,
		VersionID: obj.VersionID, RetainUntil: until})
	activity.RecordHeartbeat(ctx, ArchiveProgress{Written: len(w.objs), Total: w.total}) // the page shows it
	return nil
}

// finalReport renders the final (or termination) report from the records.
func (a *Activities) finalReport(ctx context.Context, p domain.Project, now time.Time) ([]byte, error) {
	if p.Terms == nil {
		return nil, nonRetryable(domain.Errorf(domain.CodeConflict, "项目没有合同条款，不能出具结项报告。"))
	}
	k, err := a.Store.KPIs(ctx, p.ID, p.Terms.HoursPerTrainee)
	if err != nil {
		return nil, err
	}
	mods, err := a.Store.ModuleHours(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	tranches, err := a.Store.Tranches(ctx, p)
	if err != nil {
		return nil, err
	}
	rounds, err := a.Store.Evaluations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	t := p.Terms
	r := report.FinalReport{Number: p.Number, Title: p.Title, CallNumber: p.CallNumber, Brand: p.Brand, District: p.District,
		Issuer: report.IssuerFor(p.District), OrgName: p.OrgName, Amount: p.Amount, Terms: *t, SignedAt: p.SignedAt,
		KPIs: []report.KPI{
			{Name: "培训学员（达到合同学时）", Contracted: float64(t.Trainees), Delivered: float64(k.Completed), Unit: "人"},
			{Name: "报名学员", Contracted: float64(t.Trainees), Delivered: float64(k.Enrolled), Unit: "人"},
			{Name: "培训场次", Contracted: float64(t.Sessions), Delivered: float64(k.Sessions), Unit: "场"},
			{Name: "学员学时合计", Contracted: float64(t.Trainees * t.HoursPerTrainee), Delivered: k.HoursCredited, Unit: "学时"},
		},
		Satisfaction: k.Satisfaction, Surveyed: k.Surveyed, SpotChecks: k.SpotChecks, Discrepant: k.Discrepancies,
		Tranches: tranches, Rounds: rounds, Grade: p.Grade, Terminated: p.Stage == domain.ProjectTerminated,
		Earned: p.Earned, ClawBack: p.ClawBack, Issued: now}
	for _, m := range mods {
		r.Modules = append(r.Modules, report.ModuleHours(m))
	}
	return report.RenderFinalReport(r)
}

// trainingRecords is the project's training records as JSON: sessions,
// trainees (names and numbers de-identified, PIPL §25) with hours, results
// and certificates, progress reports and spot-checks.
func (a *Activities) trainingRecords(ctx context.Context, p domain.Project) ([]byte, error) {
	sessions, err := a.Store.TrainingSessions(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	trainees, err := a.Store.Trainees(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	for i := range trainees {
		t := &trainees[i]
		t.Name = domain.MaskName(t.Name)
		t.GuardianName = domain.MaskName(t.GuardianName)
		for _, f := range []*string{&t.IDNumber, &t.Phone} {
			if *f == "" {
				continue
			}
			plain, err := a.Keys.Open(*f)
			if err != nil {
				return nil, err
			}
			*f = domain.MaskMiddle(plain)
		}
	}
	for i := range sessions {
		sessions[i].Code = ""
	}
	reports, err := a.Store.ProgressReports(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	checks, err := a.Store.SpotChecks(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	rounds, err := a.Store.Evaluations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	return json.MarshalIndent(map[string]any{"project": p, "sessions": sessions, "trainees": trainees,
		"progress_reports": reports, "spot_checks": checks, "evaluations": rounds}, "", "  ")
}

// stopping reports a stopping worker (a deploy: WorkerStopTimeout is
// running) or an ended attempt, so a long activity ends between two steps
// rather than being cut in one; its retry resumes the work.
func stopping(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if activity.IsActivity(ctx) {
		select {
		case <-activity.GetWorkerStopChannel(ctx):
			return temporal.NewApplicationError("the worker is stopping; the archive resumes on the next attempt", "WorkerStopping")
		default:
		}
	}
	return nil
}
