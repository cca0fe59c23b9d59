package web

import (
	"io"
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

// evaluationPage is the page a drawn evaluator works on: the project's facts
// and indicators, the organisation's report and the score sheet.
func (s *Server) evaluationPage(w http.ResponseWriter, r *http.Request) {
	s.showEvaluation(w, r, http.StatusOK, "", nil)
}

type evaluationPageData struct {
	pageData
	P     domain.Project
	KPIs  store.DeliveryKPIs
	Eval  evalView
	Error string
	Form  map[string]string
}

func (s *Server) showEvaluation(w http.ResponseWriter, r *http.Request, code int, msg string, form map[string]string) {
	p, rounds, err := s.Evaluations.Rounds(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	k, err := s.Evaluations.KPIs(r.Context(), actorOf(r), p.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := s.page(r, p.Title+" · 项目评估")
	pg.Nav = "evaluations"
	s.show(w, r, code, "evaluation", evaluationPageData{pageData: pg, P: p, KPIs: k, Eval: s.loadEvaluation(r, p, rounds), Error: msg, Form: form})
}

// evalReport files the organisation's report (page form or API, multipart
// with summary and an optional file, or JSON with summary).
func (s *Server) evalReport(w http.ResponseWriter, r *http.Request) {
	id, phase := chi.URLParam(r, "id"), domain.EvalPhase(chi.URLParam(r, "phase"))
	var summary, key string
	var file *service.File
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") {
		var b struct {
			Summary string `json:"summary"`
		}
		if err := decodeJSON(r, &b); err != nil {
			s.apiFail(w, r, err)
			return
		}
		summary, key = b.Summary, r.Header.Get("Idempotency-Key")
	} else {
		r.Body = http.MaxBytesReader(w, r.Body, service.MaxAttachmentBytes+1<<20)
		if err := r.ParseMultipartForm(1 << 20); err != nil && err != http.ErrNotMultipart {
			s.failAny(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取（附件不超过 20 MB），请重试。"))
			return
		}
		summary, key = r.FormValue("summary"), r.FormValue("key")
		if key == "" {
			key = r.Header.Get("Idempotency-Key")
		}
		if f, hdr, err := r.FormFile("file"); err == nil {
			data, err := io.ReadAll(f)
			f.Close()
			if err != nil {
				s.failAny(w, r, domain.Wrap(err, domain.CodeInvalid, "附件上传中断，请重新上传。"))
				return
			}
			if len(data) > 0 {
				file = &service.File{Name: hdr.Filename, Data: data}
			}
		}
	}
	err := s.Evaluations.SubmitReport(r.Context(), actorOf(r), id, key, phase, summary, file)
	s.evalAnswer(w, r, err, func(code int, msg string) { s.showProject(w, r, code, msg, nil) },
		"/awards/"+id+"#evaluation", "报告已提交，系统将随机抽取评估专家。")
}

// evalAnswer answers an evaluation action: the API gets the rounds or the
// error; a page is redirected to next (showing done there once), or shown
// again by again with a mistake the person can fix.
func (s *Server) evalAnswer(w http.ResponseWriter, r *http.Request, err error, again func(code int, msg string), next, done string) {
	switch {
	case isAPI(r) && err != nil:
		s.apiFail(w, r, err)
	case isAPI(r):
		s.apiEvaluations(w, r)
	case err == nil:
		s.redirectFlash(w, r, next, done)
	case domain.ErrorCode(err) == domain.CodeInvalid || domain.ErrorCode(err) == domain.CodeConflict:
		again(status(err), domain.ErrorMessage(err)+fieldHint(err))
	default:
		s.fail(w, r, err)
	}
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

// evalScore files an evaluator's sheet (page form or API JSON).
func (s *Server) evalScore(w http.ResponseWriter, r *http.Request) {
	id, phase := chi.URLParam(r, "id"), domain.EvalPhase(chi.URLParam(r, "phase"))
	attempt, _ := strconv.Atoi(chi.URLParam(r, "attempt"))
	var sheet domain.EvalSheet
	var key string
	form := map[string]string{}
	if isAPI(r) {
		if err := decodeJSON(r, &sheet); err != nil {
			s.apiFail(w, r, err)
			return
		}
		key = r.Header.Get("Idempotency-Key")
	} else {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
			return
		}
		for i, c := range domain.EvalRubric(phase) {
			name := "p" + strconv.Itoa(i)
			form[name] = r.PostForm.Get(name)
			v, err := strconv.ParseFloat(strings.TrimSpace(form[name]), 64)
			if err != nil && !c.Survey {
				v = -1 // refused by the rubric with the criterion's range
			}
			sheet.Points = append(sheet.Points, v)
		}
		sheet.Comment, sheet.SiteVisit, key = r.PostForm.Get("comment"), r.PostForm.Get("site_visit"), r.PostForm.Get("key")
		form["comment"], form["site_visit"] = sheet.Comment, sheet.SiteVisit
	}
	err := s.Evaluations.Score(r.Context(), actorOf(r), id, key, phase, attempt, sheet)
	s.evalAnswer(w, r, err, func(code int, msg string) { s.showEvaluation(w, r, code, msg, form) },
		"/awards/"+id+"/evaluation", "评分已提交。全部专家评分后系统自动汇总结果。")
}

func (s *Server) evalReportFile(w http.ResponseWriter, r *http.Request) {
	attempt, _ := strconv.Atoi(chi.URLParam(r, "attempt"))
	d, err := s.Evaluations.ReportFile(r.Context(), actorOf(r), chi.URLParam(r, "id"), domain.EvalPhase(chi.URLParam(r, "phase")), attempt)
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	sendDocument(w, d, false)
}

func (s *Server) finalReportPDF(w http.ResponseWriter, r *http.Request) {
	d, err := s.Evaluations.FinalReport(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	sendDocument(w, d, true)
}

// assignmentsPage lists the rounds an evaluator was drawn for.
func (s *Server) assignmentsPage(w http.ResponseWriter, r *http.Request) {
	list, err := s.Evaluations.Assignments(r.Context(), actorOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := s.page(r, "项目评估")
	pg.Nav = "evaluations"
	s.show(w, r, http.StatusOK, "evaluations", struct {
		pageData
		Items []store.EvaluatorAssignment
	}{pg, list})
}

// verifyArchive re-reads a project's archive (page or API).
func (s *Server) verifyArchive(w http.ResponseWriter, r *http.Request) {
	rep, err := s.Evaluations.Verify(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if isAPI(r) {
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, rep)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := s.loadProjectPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data.Eval.Verified = &rep
	s.show(w, r, http.StatusOK, "funded_project", data)
}

// ---- API ----

func (s *Server) apiEvaluations(w http.ResponseWriter, r *http.Request) {
	_, rounds, err := s.Evaluations.Rounds(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	type round struct {
		domain.Evaluation
		Round  string                 `json:"round"`
		Rubric []domain.EvalCriterion `json:"rubric"`
	}
	out := make([]round, len(rounds))
	for i, e := range rounds {
		if e.Evaluators == nil {
			e.Evaluators = []domain.Evaluator{}
		}
		out[i] = round{e, e.Round(), domain.EvalRubric(e.Phase)}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) apiAssignments(w http.ResponseWriter, r *http.Request) {
	list, err := s.Evaluations.Assignments(r.Context(), actorOf(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	type item struct {
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
	out := make([]item, len(list))
	for i, a := range list {
		out[i] = item{a.ProjectID, a.Number, a.Title, a.OrgName, a.Phase, a.Attempt, a.Drawn, a.ScoredAt, a.Decided}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": out})
}

func (s *Server) apiArchive(w http.ResponseWriter, r *http.Request) {
	p, objs, err := s.Evaluations.ArchiveObjects(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if objs == nil {
		objs = []store.ArchivedObject{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"archived_at": p.ArchivedAt, "manifest_sha256": p.ManifestSHA, "objects": objs})
}

// evaluationRoutes mounts the routes this file serves (see mounts).
func (s *Server) evaluationRoutes(m mounts) {
	m.pages.Get("/awards/{id}/evaluation", s.evaluationPage)
	m.pages.Post("/awards/{id}/evaluations/{phase}/report", s.evalReport)
	m.pages.Post("/awards/{id}/evaluations/{phase}/{attempt}/scores", s.evalScore)
	m.pages.Get("/awards/{id}/evaluations/{phase}/{attempt}/report-file", s.evalReportFile)
	m.pages.Get("/awards/{id}/final-report.pdf", s.finalReportPDF)
	m.pages.Post("/awards/{id}/archive/verify", s.verifyArchive)
	m.pages.Get("/evaluations", s.assignmentsPage)
	m.api.Get("/awards/{id}/evaluations", s.apiEvaluations)
	m.api.Post("/awards/{id}/evaluations/{phase}/report", s.evalReport)
	m.api.Post("/awards/{id}/evaluations/{phase}/{attempt}/scores", s.evalScore)
	m.api.Get("/awards/{id}/evaluations/{phase}/{attempt}/report-file", s.evalReportFile)
	m.api.Get("/awards/{id}/final-report.pdf", s.finalReportPDF)
	m.api.Get("/awards/{id}/archive", s.apiArchive)
	m.api.Post("/awards/{id}/archive/verify", s.verifyArchive)
	m.api.Get("/evaluations", s.apiAssignments)
}
