package web

import (
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// ---- pages: 立项项目 ----

type fundedListPage struct {
	pageData
	Page    store.ProjectPage
	Search  string
	Stage   domain.ProjectStage
	Stages  []domain.ProjectStage
	Query   template.URL // the filters and sort, without the page
	Filters template.URL // the filters alone (for the sort links)
	Sort    string
}

func (s *Server) fundedPage(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	res, err := s.Contracts.List(r.Context(), actorOf(r), store.ProjectFilter{Search: r.URL.Query().Get("q"), Page: page, PerPage: 20,
		Stage: domain.ProjectStage(r.URL.Query().Get("stage")), Sort: r.URL.Query().Get("sort")})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "立项项目")
	p.Nav = "funded"
	q := r.URL.Query()
	s.show(w, r, http.StatusOK, "funded", fundedListPage{pageData: p, Page: res, Search: q.Get("q"), Stage: domain.ProjectStage(q.Get("stage")),
		Stages: domain.ProjectStages, Query: keepQuery(q, "q", "stage", "sort"), Sort: q.Get("sort"), Filters: keepQuery(q, "q", "stage")})
}

type projectPage struct {
	pageData
	P                         domain.Project
	Key                       string
	Form                      termsForm
	Error                     string
	CanTerms                  bool
	CanSign                   bool
	MySide                    string // org or civil: whose confirmation this person gives
	Now                       time.Time
	Delivery                  deliveryView
	Money                     []domain.TrancheState
	CanConfirmTranche, CanPay bool
	Eval                      evalView
	Archiving                 *activities.ArchiveProgress // the package being written, if it is
}

type termsForm struct {
	Trainees, Hours, Sessions, Modules, StartsOn, TermMonths, Bond string
	MultiYear                                                      bool
	Errors                                                         map[string]string
}

func termsFormOf(t *domain.ContractTerms) termsForm {
	if t == nil {
		return termsForm{Modules: strings.Join(domain.DefaultModules, "\n"), TermMonths: "12",
			StartsOn: time.Now().In(domain.ChinaTime).AddDate(0, 1, 0).Format("2006-01-02")}
	}
	return termsForm{Trainees: strconv.Itoa(t.Trainees), Hours: strconv.Itoa(t.HoursPerTrainee), Sessions: strconv.Itoa(t.Sessions),
		Modules: strings.Join(t.Modules, "\n"), StartsOn: t.StartsOn.In(domain.ChinaTime).Format("2006-01-02"),
		TermMonths: strconv.Itoa(t.TermMonths), Bond: t.PerformanceBond.Yuan(), MultiYear: t.MultiYear}
}

func (f termsForm) terms(fe domain.FieldErrors) domain.ContractTerms {
	num := func(field, v string) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil && strings.TrimSpace(v) != "" {
			fe.Add(field, "请填写整数。")
		}
		return n
	}
	t := domain.ContractTerms{Deliverables: domain.Deliverables{Trainees: num("trainees", f.Trainees), HoursPerTrainee: num("hours_per_trainee", f.Hours),
		Sessions: num("sessions", f.Sessions), Modules: strings.Split(strings.ReplaceAll(f.Modules, "\r", ""), "\n")},
		TermMonths: num("term_months", f.TermMonths), MultiYear: f.MultiYear}
	if d, err := time.ParseInLocation("2006-01-02", strings.TrimSpace(f.StartsOn), domain.ChinaTime); err == nil {
		t.StartsOn = d
	}
	if b := strings.TrimSpace(f.Bond); b != "" {
		v, ok := domain.ParseYuan(b)
		if !ok {
			fe.Add("performance_bond_fen", "履约保证金格式不对：请填写数字（元），不收取请留空。")
		}
		t.PerformanceBond = v
	}
	return t
}

func (s *Server) loadProjectPage(r *http.Request) (projectPage, error) {
	p, err := s.Contracts.Get(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		return projectPage{}, err
	}
	u := userOf(r)
	pg := s.page(r, p.Title)
	pg.Nav = "funded"
	data := projectPage{pageData: pg, P: p, Now: time.Now(), Key: uuid.NewString(), Form: termsFormOf(p.Terms),
		CanTerms: p.Stage == domain.ProjectContracting && auth.Authorize(u, auth.ActionSetTerms, p.District) == nil}
	if p.Stage == domain.ProjectContracting && p.Terms != nil &&
		auth.AuthorizeTarget(u, auth.ActionConfirmContract, auth.Target{District: p.District, OrgID: p.OrgID}) == nil {
		if u.OrgID == p.OrgID && p.OrgConfirmedAt.IsZero() {
			data.CanSign, data.MySide = true, "org"
		} else if u.OrgID != p.OrgID && p.CivilConfirmedAt.IsZero() {
			data.CanSign, data.MySide = true, "civil"
		}
	}
	if data.Delivery, err = s.loadDelivery(r, p); err != nil {
		return projectPage{}, err
	}
	if data.Money, err = s.Contracts.Tranches(r.Context(), actorOf(r), p.ID); err != nil {
		return projectPage{}, err
	}
	rounds, err := s.Evaluations.RoundsOf(r.Context(), actorOf(r), p)
	if err != nil {
		return projectPage{}, err
	}
	data.Eval = s.loadEvaluation(r, p, rounds)
	if data.Eval.CanVerify {
		if data.Eval.Objects, err = s.Evaluations.ArchiveOf(r.Context(), actorOf(r), p); err != nil {
			return projectPage{}, err
		}
	}
	if data.Archiving, err = s.Contracts.ArchiveProgress(r.Context(), p); err != nil {
		return projectPage{}, err
	}
	money := p.Stage.Delivering() || p.Stage == domain.ProjectClosing
	data.CanConfirmTranche = money && auth.Authorize(u, auth.ActionConfirmTranche, p.District) == nil
	data.CanPay = money && auth.Authorize(u, auth.ActionRecordPayment, p.District) == nil
	return data, nil
}

func (s *Server) fundedProjectPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadProjectPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "funded_project", data)
}

func (s *Server) setTerms(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
		return
	}
	pf := r.PostForm.Get
	form := termsForm{Trainees: pf("trainees"), Hours: pf("hours_per_trainee"), Sessions: pf("sessions"), Modules: pf("modules"),
		StartsOn: pf("starts_on"), TermMonths: pf("term_months"), Bond: pf("performance_bond"), MultiYear: pf("multi_year") == "on"}
	fe := domain.FieldErrors{}
	t := form.terms(fe)
	err := fe.Err()
	if err == nil {
		err = s.Contracts.SetTerms(r.Context(), actorOf(r), chi.URLParam(r, "id"), pf("key"), t)
	}
	if err != nil {
		if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict {
			s.fail(w, r, err)
			return
		}
		data, lerr := s.loadProjectPage(r)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		form.Errors = fieldsOf(err)
		data.Form, data.Error = form, domain.ErrorMessage(err)
		s.show(w, r, status(err), "funded_project", data)
		return
	}
	s.redirectFlash(w, r, "/awards/"+chi.URLParam(r, "id"), "合同条款已确定，合同已生成。请双方阅读后确认。")
}

func (s *Server) confirmContract(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
		return
	}
	rev, _ := strconv.Atoi(r.PostForm.Get("revision"))
	if err := s.Contracts.Confirm(r.Context(), actorOf(r), chi.URLParam(r, "id"), r.PostForm.Get("key"), rev); err != nil {
		s.fail(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/awards/"+chi.URLParam(r, "id"), "已确认合同。双方确认后合同生效并公开。")
}

func (s *Server) contractPDF(w http.ResponseWriter, r *http.Request) {
	d, err := s.Contracts.Contract(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	sendDocument(w, d, true)
}

// ---- API ----

func (s *Server) apiFunded(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	res, err := s.Contracts.List(r.Context(), actorOf(r), store.ProjectFilter{Search: q.Get("q"), Stage: domain.ProjectStage(q.Get("stage")), Page: page, PerPage: per})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	items := res.Projects
	if items == nil {
		items = []domain.Project{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": res.Total, "page": res.Page, "per_page": res.PerPage})
}

func (s *Server) apiFundedProject(w http.ResponseWriter, r *http.Request) {
	p, err := s.Contracts.Get(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, struct {
		domain.Project
		StageLabel     string       `json:"stage_label"`
		TrancheAmounts []domain.Fen `json:"tranche_amounts_fen"`
	}{p, p.Stage.Label(), domain.TrancheAmounts(p.Amount, p.Tranches)})
}

func (s *Server) apiSetTerms(w http.ResponseWriter, r *http.Request) {
	var t domain.ContractTerms
	if err := decodeJSON(r, &t); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if err := s.Contracts.SetTerms(r.Context(), actorOf(r), chi.URLParam(r, "id"), r.Header.Get("Idempotency-Key"), t); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiFundedProject(w, r)
}

func (s *Server) apiConfirmContract(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Revision int `json:"revision"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if err := s.Contracts.Confirm(r.Context(), actorOf(r), chi.URLParam(r, "id"), r.Header.Get("Idempotency-Key"), b.Revision); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiFundedProject(w, r)
}

// trancheAction handles the money forms of a project page.
func (s *Server) trancheAction(pay bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, by, id := r.Context(), actorOf(r), chi.URLParam(r, "id")
		n, _ := strconv.Atoi(chi.URLParam(r, "n"))
		var err error
		msg := "已确认拨付条件，已通知财政部门。"
		if pay {
			name, data, uerr := readUpload(w, r)
			if err = uerr; err == nil {
				err = s.Contracts.RecordPayment(ctx, by, id, r.FormValue("key"), n-1, r.FormValue("voucher_no"), service.File{Name: name, Data: data})
			}
			msg = "已登记拨付。"
		} else {
			if perr := r.ParseForm(); perr != nil {
				s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
				return
			}
			err = s.Contracts.ConfirmTranche(ctx, by, id, r.PostForm.Get("key"), n-1)
		}
		if err != nil {
			if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict {
				s.fail(w, r, err)
				return
			}
			s.showProject(w, r, status(err), domain.ErrorMessage(err), nil)
			return
		}
		s.redirectFlash(w, r, "/awards/"+id, msg)
	}
}

func (s *Server) apiTranches(w http.ResponseWriter, r *http.Request) {
	ts, err := s.Contracts.Tranches(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ts})
}

func (s *Server) apiConfirmTranche(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(chi.URLParam(r, "n"))
	if err := s.Contracts.ConfirmTranche(r.Context(), actorOf(r), chi.URLParam(r, "id"), r.Header.Get("Idempotency-Key"), n-1); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiTranches(w, r)
}

func (s *Server) apiRecordPayment(w http.ResponseWriter, r *http.Request) {
	n, _ := strconv.Atoi(chi.URLParam(r, "n"))
	name, data, err := readUpload(w, r)
	if err == nil {
		err = s.Contracts.RecordPayment(r.Context(), actorOf(r), chi.URLParam(r, "id"), r.Header.Get("Idempotency-Key"), n-1,
			r.FormValue("voucher_no"), service.File{Name: name, Data: data})
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiTranches(w, r)
}

// contractRoutes mounts the routes this file serves (see mounts).
func (s *Server) contractRoutes(m mounts) {
	m.pages.Get("/awards", s.fundedPage)
	m.pages.Get("/awards/{id}", s.fundedProjectPage)
	m.pages.Post("/awards/{id}/terms", s.setTerms)
	m.pages.Post("/awards/{id}/confirmation", s.confirmContract)
	m.pages.Get("/awards/{id}/contract.pdf", s.contractPDF)
	m.pages.Post("/awards/{id}/tranches/{n}/confirm", s.trancheAction(false))
	m.pages.Post("/awards/{id}/tranches/{n}/payment", s.trancheAction(true))
	m.api.Get("/awards", s.apiFunded)
	m.api.Get("/awards/{id}", s.apiFundedProject)
	m.api.Post("/awards/{id}/terms", s.apiSetTerms)
	m.api.Post("/awards/{id}/confirmation", s.apiConfirmContract)
	m.api.Get("/awards/{id}/contract.pdf", s.contractPDF)
	m.api.Get("/awards/{id}/tranches", s.apiTranches)
	m.api.Post("/awards/{id}/tranches/{n}/confirm", s.apiConfirmTranche)
	m.api.Post("/awards/{id}/tranches/{n}/payment", s.apiRecordPayment)
}
