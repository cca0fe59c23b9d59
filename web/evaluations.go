package web

// Evaluations of a funded project: the organisation's report, the drawn
// evaluators' score sheets, the rounds and the final report.

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// evalView is the evaluation and archive part of a project page.
type evalView struct {
	Rounds    []domain.Evaluation
	Open      *domain.Evaluation // the round in progress, if any
	CanReport bool               // the organisation may file the open round's report now
	Mine      *domain.Evaluator  // the person's seat on the open round
	CanScore  bool
	Rubric    []domain.EvalCriterion
	Objects   []store.ArchivedObject
	CanVerify bool
	Verified  *service.ArchiveReport
	Key       string
}

func (s *Server) loadEvaluation(r *http.Request, p domain.Project, rounds []domain.Evaluation) evalView {
	u := userOf(r)
	v := evalView{Rounds: rounds, Key: uuid.NewString()}
	for i := range rounds {
		if rounds[i].Outcome == nil {
			v.Open = &rounds[i]
		}
	}
	if o := v.Open; o != nil {
		v.Rubric = domain.EvalRubric(o.Phase)
		v.CanReport = o.SubmittedAt.IsZero() && time.Now().Before(o.Due) && u.OrgID == p.OrgID &&
			auth.AuthorizeTarget(u, auth.ActionEvalReport, auth.Target{OrgID: p.OrgID}) == nil
		for i := range o.Evaluators {
			if e := &o.Evaluators[i]; e.UserID == u.ID && e.Excluded == "" {
				v.Mine = e
				v.CanScore = e.ScoredAt.IsZero() && auth.Authorize(u, auth.ActionEvaluate, "") == nil
			}
		}
	}
	v.CanVerify = !p.ArchivedAt.IsZero() && auth.Authorize(u, auth.ActionVerifyArchive, p.District) == nil
	return v
}

// evaluationPageData is the page a drawn evaluator works on: the
// project's facts and indicators, the organisation's report and the score
// sheet.
type evaluationPageData struct {
	pageData
	P     domain.Project
	KPIs  store.DeliveryKPIs
	Eval  evalView
	Error string
	Form  map[string]string
}

func (d *evaluationPageData) refuse(err error) { d.Error = domain.ErrorMessage(err) + fieldHint(err) }

func (s *Server) loadEvaluationPage(r *http.Request) (evaluationPageData, error) {
	p, rounds, err := s.Evaluations.Rounds(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		return evaluationPageData{}, err
	}
	k, err := s.Evaluations.KPIs(r.Context(), actorOf(r), p.ID)
	if err != nil {
		return evaluationPageData{}, err
	}
	pg := s.page(r, p.Title+" · 项目评估")
	pg.Nav = "evaluations"
	return evaluationPageData{pageData: pg, P: p, KPIs: k, Eval: s.loadEvaluation(r, p, rounds)}, nil
}

// fieldHint joins a validation error's field messages for a page banner.
func fieldHint(err error) string {
	var parts []string
	for _, m := range domain.FieldsOf(err) {
		parts = append(parts, m)
	}
	if len(parts) == 0 {
		return ""
	}
	return " " + strings.Join(parts, " ")
}

// evalReportInput is the organisation's report: the summary and, on the
// page's form or a multipart API call, an optional file.
type evalReportInput struct {
	keyed
	Summary string        `json:"summary"`
	File    *service.File `json:"-"`
}

func (in *evalReportInput) readForm(r *http.Request) error {
	if err := parseUpload(r, service.MaxAttachmentBytes, errFileLarge); err != nil {
		return err
	}
	in.Summary, in.Key = r.PostForm.Get("summary"), r.PostForm.Get("key")
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		return nil
	}
	f, err := formFile(r, "file", errNoFile)
	if err == nil && len(f.Data) > 0 {
		in.File = &f
	}
	return err
}

// submitEvalReport files the organisation's report for a round ({phase}).
func (s *Server) submitEvalReport(r *http.Request, in *evalReportInput) (awardID, error) {
	return changed(r, s.Evaluations.SubmitReport(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.key(r),
		domain.EvalPhase(chi.URLParam(r, "phase")), in.Summary, in.File))
}

// evalScoreInput is an evaluator's sheet: the page form's points by criterion
// (p0, p1, …), or the API's JSON sheet.
type evalScoreInput struct {
	keyed
	domain.EvalSheet
	form map[string]string // as typed, to show again
}

func (in *evalScoreInput) readForm(r *http.Request) error {
	in.form = map[string]string{}
	for i, c := range domain.EvalRubric(domain.EvalPhase(chi.URLParam(r, "phase"))) {
		name := "p" + strconv.Itoa(i)
		in.form[name] = r.PostForm.Get(name)
		v, err := strconv.ParseFloat(strings.TrimSpace(in.form[name]), 64)
		if err != nil && !c.Survey {
			v = -1 // refused by the rubric with the criterion's range
		}
		in.Points = append(in.Points, v)
	}
	in.Comment, in.SiteVisit, in.Key = r.PostForm.Get("comment"), r.PostForm.Get("site_visit"), r.PostForm.Get("key")
	in.form["comment"], in.form["site_visit"] = in.Comment, in.SiteVisit
	return nil
}

// score files an evaluator's sheet for a round ({phase}, {attempt}).
func (s *Server) evalScore(r *http.Request, in *evalScoreInput) (awardID, error) {
	attempt, _ := strconv.Atoi(chi.URLParam(r, "attempt"))
	return changed(r, s.Evaluations.Score(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.key(r),
		domain.EvalPhase(chi.URLParam(r, "phase")), attempt, in.EvalSheet))
}

func (s *Server) evalReportFile(r *http.Request) (service.Document, error) {
	attempt, _ := strconv.Atoi(chi.URLParam(r, "attempt"))
	return s.Evaluations.ReportFile(r.Context(), actorOf(r), chi.URLParam(r, "id"), domain.EvalPhase(chi.URLParam(r, "phase")), attempt)
}

func (s *Server) finalReport(r *http.Request) (service.Document, error) {
	return s.Evaluations.FinalReport(r.Context(), actorOf(r), chi.URLParam(r, "id"))
}

// evalRound is a round as the API shows it.
type evalRound struct {
	domain.Evaluation
	Round  string                 `json:"round"`
	Rubric []domain.EvalCriterion `json:"rubric"`
}

func (s *Server) evaluations(r *http.Request) (list[evalRound], error) {
	_, rounds, err := s.Evaluations.Rounds(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	out := make([]evalRound, len(rounds))
	for i, e := range rounds {
		e.Evaluators = listOf(e.Evaluators).Items
		out[i] = evalRound{e, e.Round(), domain.EvalRubric(e.Phase)}
	}
	return listOf(out), err
}

type assignmentsPage struct {
	pageData
	Items []store.EvaluatorAssignment
}

// loadAssignmentsPage lists the rounds an evaluator was drawn for.
func (s *Server) loadAssignmentsPage(r *http.Request) (assignmentsPage, error) {
	items, err := s.Evaluations.Assignments(r.Context(), actorOf(r))
	pg := s.page(r, "项目评估")
	pg.Nav = "evaluations"
	return assignmentsPage{pg, items}, err
}

// assignment is a round an evaluator was drawn for, as the API shows it.
type assignment struct {
	ProjectID string           `json:"project_id"`
	Number    string           `json:"number"`
	Title     string           `json:"title"`
	OrgName   string           `json:"org_name"`
	Phase     domain.EvalPhase `json:"phase"`
	Attempt   int              `json:"attempt"`
	Drawn     time.Time        `json:"drawn_at"`
	ScoredAt  time.Time        `json:"scored_at,omitzero"`
	Decided   bool             `json:"decided"`
}

func (s *Server) assignments(r *http.Request) (list[assignment], error) {
	items, err := s.Evaluations.Assignments(r.Context(), actorOf(r))
	out := make([]assignment, len(items))
	for i, a := range items {
		out[i] = assignment{a.ProjectID, a.Number, a.Title, a.OrgName, a.Phase, a.Attempt, a.Drawn, a.ScoredAt, a.Decided}
	}
	return listOf(out), err
}

// evaluationRoutes mounts the routes this file serves (see mounts).
func (s *Server) evaluationRoutes(m mounts) {
	m.pages.Get("/awards/{id}/evaluation", view(s, "evaluation", s.loadEvaluationPage))
	m.pages.Post("/awards/{id}/evaluations/{phase}/report", form(s, s.submitEvalReport,
		toAward[evalReportInput]("#evaluation", "报告已提交，系统将随机抽取评估专家。"), projectAgain[evalReportInput](s, nil)))
	m.pages.Post("/awards/{id}/evaluations/{phase}/{attempt}/scores", form(s, s.evalScore,
		toAward[evalScoreInput]("/evaluation", "评分已提交。全部专家评分后系统自动汇总结果。"),
		showAgain(s, "evaluation", s.loadEvaluationPage, func(d *evaluationPageData, in *evalScoreInput) { d.Form = in.form })))
	m.pages.Get("/awards/{id}/evaluations/{phase}/{attempt}/report-file", download(s, false, s.evalReportFile))
	m.pages.Get("/awards/{id}/final-report.pdf", download(s, true, s.finalReport))
	m.pages.Get("/evaluations", view(s, "evaluations", s.loadAssignmentsPage))
	m.api.Get("/awards/{id}/evaluations", apiRead(s, s.evaluations))
	m.api.Post("/awards/{id}/evaluations/{phase}/report", jsonOr(
		apiWrite(s, http.StatusOK, andThen(s.submitEvalReport, s.evaluations)),
		apiUpload(s, http.StatusOK, andThen(s.submitEvalReport, s.evaluations))))
	m.api.Post("/awards/{id}/evaluations/{phase}/{attempt}/scores", apiWrite(s, http.StatusOK, andThen(s.evalScore, s.evaluations)))
	m.api.Get("/awards/{id}/evaluations/{phase}/{attempt}/report-file", download(s, false, s.evalReportFile))
	m.api.Get("/awards/{id}/final-report.pdf", download(s, true, s.finalReport))
	m.api.Get("/evaluations", apiRead(s, s.assignments))
}
