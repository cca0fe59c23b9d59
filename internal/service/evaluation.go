package service

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/store"
	"grantflow/workflows"
)

// Evaluations is the application service of a project's mid-term and final
// evaluations and of its archive. Reports and scores are ProjectWorkflow
// updates; the lists are read from the database.
type Evaluations struct {
	Contracts *Contracts
	Store     *store.Store
	Blob      *blob.Store
	Archive   *blob.Store
}

// viewable loads a project for someone who may see it, or for an evaluator
// drawn for it (who may see nothing else of the district's projects).
func (s *Evaluations) viewable(ctx context.Context, by domain.Actor, id string) (domain.Project, bool, error) {
	u := by.User()
	if auth.Authorize(u, auth.ActionEvaluate, "") == nil && auth.Authorize(u, auth.ActionListProjects, "") != nil {
		if _, err := uuid.Parse(id); err != nil {
			return domain.Project{}, false, domain.Errorf(domain.CodeNotFound, "找不到该项目，请检查链接是否完整。")
		}
		p, err := s.Store.Project(ctx, id)
		if err != nil {
			return domain.Project{}, false, err
		}
		ok, err := s.Store.IsEvaluator(ctx, id, by.UserID)
		if err != nil {
			return domain.Project{}, false, err
		}
		if !ok {
			return domain.Project{}, false, domain.Errorf(domain.CodeForbidden, "您无权查看该项目：您不是它抽取的评估专家。")
		}
		return withoutDraft(u, p), true, nil
	}
	p, err := s.Contracts.Get(ctx, by, id)
	return p, false, err
}

// Rounds lists a project's evaluation rounds. Civil affairs and finance see
// the evaluators' names and every sheet; the organisation sees seats
// (评估专家 N) and, once a round is decided, the sheets; an evaluator sees
// only their own sheet until the round is decided.
func (s *Evaluations) Rounds(ctx context.Context, by domain.Actor, id string) (domain.Project, []domain.Evaluation, error) {
	p, evaluator, err := s.viewable(ctx, by, id)
	if err != nil {
		return domain.Project{}, nil, err
	}
	rounds, err := s.rounds(ctx, by, p, evaluator)
	return p, rounds, err
}

// RoundsOf is Rounds for a project the caller has already loaded through
// Contracts.Get (its page), without loading it again.
func (s *Evaluations) RoundsOf(ctx context.Context, by domain.Actor, p domain.Project) ([]domain.Evaluation, error) {
	return s.rounds(ctx, by, p, false)
}

func (s *Evaluations) rounds(ctx context.Context, by domain.Actor, p domain.Project, evaluator bool) ([]domain.Evaluation, error) {
	rounds, err := s.Store.Evaluations(ctx, p.ID)
	if err != nil {
		return nil, err
	}
	staff := !evaluator && auth.Authorize(by.User(), auth.ActionListProjects, p.District) == nil
	for i := range rounds {
		r := &rounds[i]
		kept := r.Evaluators[:0]
		for _, e := range r.Evaluators {
			mine := e.UserID == by.UserID
			if !staff {
				if e.Excluded != "" {
					continue // why an expert was skipped is not the organisation's business
				}
				if !mine {
					e.Name = ""
				}
				if r.Outcome == nil && !mine {
					e.Sheet = nil
				}
			}
			kept = append(kept, e)
		}
		r.Evaluators = kept
	}
	return rounds, nil
}

// KPIs are the project's indicators, for those who may see it (evaluators
// included).
func (s *Evaluations) KPIs(ctx context.Context, by domain.Actor, id string) (store.DeliveryKPIs, error) {
	p, _, err := s.viewable(ctx, by, id)
	if err != nil || p.Terms == nil {
		return store.DeliveryKPIs{}, err
	}
	return s.Store.KPIs(ctx, p.ID, p.Terms.HoursPerTrainee)
}

// SubmitReport files the organisation's report for the current round, with
// an optional attachment (stored first, removed again if the workflow
// refuses).
func (s *Evaluations) SubmitReport(ctx context.Context, by domain.Actor, id, key string, phase domain.EvalPhase, summary string, file *File) (err error) {
	u := by.User()
	if u.OrgID == 0 || auth.AuthorizeTarget(u, auth.ActionEvalReport, auth.Target{OrgID: u.OrgID}) != nil {
		return auth.AuthorizeTarget(u, auth.ActionEvalReport, auth.Target{OrgID: -1})
	}
	p, err := s.Contracts.Get(ctx, by, id)
	if err != nil {
		return err
	}
	if err := auth.AuthorizeTarget(u, auth.ActionEvalReport, auth.Target{OrgID: p.OrgID}); err != nil {
		return err
	}
	if !phase.Valid() {
		return domain.FieldErrors{"phase": "请选择评估阶段（midterm 中期 / final 结项）。"}.Err()
	}
	summary = strings.TrimSpace(summary)
	if err := domain.ValidateEvalReport(summary); err != nil {
		return err
	}
	rid, err := requestID(key) // fixed here, so the update can be asked after by its ID
	if err != nil {
		return err
	}
	var fname string
	var fdata []byte
	if file != nil {
		fname, fdata = file.Name, file.Data
	}
	// The key is bound to this report: sent again with another, it is
	// refused before the file is stored.
	bk, err := bindKey(ctx, s.Store, by, "eval-report", key, []byte(p.ID), []byte(phase), []byte(summary), []byte(fname), fdata)
	if err != nil {
		return err
	}
	defer func() { bk.done(ctx, err) }()
	req := workflows.EvalReportRequest{Actor: by, Phase: phase, Summary: summary}
	if file != nil && len(file.Data) > 0 {
		ct, err := CheckDocument(file.Name, file.Data)
		if err != nil {
			return err
		}
		obj, err := s.Blob.Put(ctx, fmt.Sprintf("projects/%s/evaluations/%s-%s", p.ID, phase, uuid.NewString()), file.Data, ct)
		if err != nil {
			return err
		}
		req.Key, req.SHA256, req.Name = obj.Key, obj.SHA256, strings.TrimSpace(path.Base(strings.ReplaceAll(file.Name, "\\", "/")))
	}
	err = s.Contracts.update(ctx, p, workflows.UpdateEvalReport, rid, req)
	err = settleUpdate(ctx, s.Contracts.Temporal, workflows.ProjectWorkflowID(p.ID), workflows.UpdateEvalReport+"/"+rid, err, nil)
	removeIfRefused(ctx, s.Blob.Remove, err, req.Key) // after an unknown outcome the report stays (swept if unreferenced)
	if err == nil && req.Key != "" {
		// A request sent again is answered as the first one was, which
		// recorded its own copy of the file: this copy goes.
		if rounds, e := s.Store.Evaluations(ctx, p.ID); e == nil && !slices.ContainsFunc(rounds, func(r domain.Evaluation) bool { return r.ReportKey == req.Key }) {
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), settleTimeout)
			_ = s.Blob.Remove(rctx, req.Key)
			cancel()
		}
	}
	return err
}

// Score files a drawn evaluator's sheet for a round.
func (s *Evaluations) Score(ctx context.Context, by domain.Actor, id, key string, phase domain.EvalPhase, attempt int, sheet domain.EvalSheet) error {
	if err := auth.Authorize(by.User(), auth.ActionEvaluate, ""); err != nil {
		return err
	}
	p, _, err := s.viewable(ctx, by, id)
	if err != nil {
		return err
	}
	if err := domain.ValidateEvalSheet(phase, sheet); err != nil {
		return err
	}
	req := workflows.EvalScoreRequest{Actor: by, Phase: phase, Attempt: attempt, Sheet: sheet}
	return whileDrawCatchesUp(ctx, func() error { return s.Contracts.update(ctx, p, workflows.UpdateEvalScore, key, req) },
		func() (bool, error) { return s.Store.IsRoundEvaluator(ctx, p.ID, phase, attempt, by.UserID) })
}

// ReportFile returns a round's attachment, verified by checksum.
func (s *Evaluations) ReportFile(ctx context.Context, by domain.Actor, id string, phase domain.EvalPhase, attempt int) (Document, error) {
	_, rounds, err := s.Rounds(ctx, by, id)
	if err != nil {
		return Document{}, err
	}
	for _, r := range rounds {
		if r.Phase == phase && r.Attempt == attempt && r.ReportKey != "" {
			data, _, err := s.Blob.Get(ctx, r.ReportKey, r.ReportSHA)
			if err != nil {
				return Document{}, err
			}
			ct, err := CheckDocument(r.ReportName, data)
			if err != nil {
				ct = "application/octet-stream"
			}
			return Document{FileName: r.ReportName, ContentType: ct, Data: data}, nil
		}
	}
	return Document{}, domain.Errorf(domain.CodeNotFound, "这一轮评估没有上传报告附件。")
}

// Assignments lists the rounds an evaluator was drawn for.
func (s *Evaluations) Assignments(ctx context.Context, by domain.Actor) ([]store.EvaluatorAssignment, error) {
	if err := auth.Authorize(by.User(), auth.ActionEvaluate, ""); err != nil {
		return nil, err
	}
	return s.Store.EvaluatorAssignments(ctx, by.UserID, 200)
}

// FinalReport returns the final (or termination) report PDF of an archived
// project.
func (s *Evaluations) FinalReport(ctx context.Context, by domain.Actor, id string) (Document, error) {
	p, err := s.Contracts.Get(ctx, by, id)
	if err != nil {
		return Document{}, err
	}
	if p.ReportKey == "" {
		return Document{}, domain.Errorf(domain.CodeNotFound, "结项报告在项目归档时生成，该项目尚未归档。")
	}
	data, _, err := s.Blob.Get(ctx, p.ReportKey, p.ReportSHA)
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: "结项报告-" + p.Number + ".pdf", ContentType: "application/pdf", Data: data}, nil
}
