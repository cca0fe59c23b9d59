package web

// Awards: the funded projects (立项项目), their page, the contract terms,
// the two confirmations and the contract PDF.

import (
	"errors"
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

type projectsPage struct {
	pageData
	Page    store.ProjectPage
	Search  string
	Stage   domain.ProjectStage
	Stages  []domain.ProjectStage
	Query   template.URL // the filters and sort, without the page
	Filters template.URL // the filters alone (for the sort links)
	Sort    string
}

// awardFilter reads the funded list's filters, sort and page.
func awardFilter(r *http.Request) store.ProjectFilter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	per, _ := strconv.Atoi(q.Get("per_page"))
	return store.ProjectFilter{Search: q.Get("q"), Stage: domain.ProjectStage(q.Get("stage")), Sort: q.Get("sort"), Page: page, PerPage: per}
}

func (s *Server) loadProjectsPage(r *http.Request) (projectsPage, error) {
	f := awardFilter(r)
	f.PerPage = 20
	res, err := s.Contracts.List(r.Context(), actorOf(r), f)
	if err != nil {
		return projectsPage{}, err
	}
	p := s.page(r, "立项项目")
	p.Nav = "projects"
	q := r.URL.Query()
	return projectsPage{pageData: p, Page: res, Search: q.Get("q"), Stage: domain.ProjectStage(q.Get("stage")),
		Stages: domain.ProjectStages, Query: keepQuery(q, "q", "stage", "sort"), Sort: q.Get("sort"), Filters: keepQuery(q, "q", "stage")}, nil
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
	inlineFields              bool                        // the refused form shows its fields' messages beside them
}

// refuse shows a refused form of the project page: the message in the
// banner (with the fields' messages, unless the form shows them beside its
// inputs) and an import's refused rows.
func (p *projectPage) refuse(err error) {
	p.Error = domain.ErrorMessage(err)
	if !p.inlineFields {
		p.Error += fieldHint(err)
	}
	p.Form.Errors = domain.FieldsOf(err)
	var ir importRefused
	if errors.As(err, &ir) {
		p.Delivery.Result = &ir.ImportResult
	}
}

// projectAgain shows the project page again after a refused form.
func projectAgain[In any](s *Server, fill func(p *projectPage, in *In)) again[In] {
	return showAgain(s, "project", s.loadProjectPage, fill)
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
	pg.Nav = "projects"
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

// termsInput is the contract terms as the form and the API send them.
type termsInput struct {
	keyed
	domain.ContractTerms
	form termsForm // as typed, to show again
}

func (in *termsInput) readForm(r *http.Request) error {
	pf := r.PostForm.Get
	in.Key = pf("key")
	in.form = termsForm{Trainees: pf("trainees"), Hours: pf("hours_per_trainee"), Sessions: pf("sessions"), Modules: pf("modules"),
		StartsOn: pf("starts_on"), TermMonths: pf("term_months"), Bond: pf("performance_bond"), MultiYear: pf("multi_year") == "on"}
	fe := domain.FieldErrors{}
	in.ContractTerms = in.form.terms(fe)
	return fe.Err()
}

// setTerms fixes the contract's terms; the contract is then generated.
func (s *Server) setTerms(r *http.Request, in *termsInput) (awardID, error) {
	return changed(r, s.Contracts.SetTerms(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.key(r), in.ContractTerms))
}

// confirmInput is one side's confirmation of a contract's revision.
type confirmInput struct {
	keyed
	Revision int `json:"revision"`
}

func (in *confirmInput) readForm(r *http.Request) error {
	in.Key = r.PostForm.Get("key")
	in.Revision, _ = strconv.Atoi(r.PostForm.Get("revision"))
	return nil
}

// confirmContract confirms the contract for the person's side.
func (s *Server) confirmContract(r *http.Request, in *confirmInput) (awardID, error) {
	return changed(r, s.Contracts.Confirm(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.key(r), in.Revision))
}

// awardView is a funded project as the API shows it.
type awardView struct {
	domain.Project
	StageLabel     string       `json:"stage_label"`
	TrancheAmounts []domain.Fen `json:"tranche_amounts_fen"`
}

func (s *Server) award(r *http.Request) (awardView, error) {
	p, err := s.Contracts.Get(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	return awardView{p, p.Stage.Label(), domain.TrancheAmounts(p.Amount, p.Tranches)}, err
}

func (s *Server) listAwards(r *http.Request) (list[domain.Project], error) {
	res, err := s.Contracts.List(r.Context(), actorOf(r), awardFilter(r))
	return pageOf(res.Projects, res.Total, res.Page, res.PerPage), err
}

// awardsSheet exports the funded projects the person may see, with the
// list's filters.
func (s *Server) awardsSheet(r *http.Request) (sheet, error) {
	f := awardFilter(r)
	return sheet{"立项项目.xlsx", []any{"项目编号", "项目", "立项单位", "区", "品牌", "资助金额（元）", "阶段", "合同签订", "结项等级", "归档"},
		paged(func(page, per int) ([]domain.Project, int, error) {
			f.Page, f.PerPage = page, per
			res, err := s.Contracts.List(r.Context(), actorOf(r), f)
			return res.Projects, res.Total, err
		}, func(p domain.Project) []any {
			return []any{p.Number, p.Title, p.OrgName, p.District, p.Brand.Label(), float64(p.Amount) / 100, p.Stage.Label(),
				cst(p.SignedAt), p.Grade.Label(), cst(p.ArchivedAt)}
		})}, nil
}

func (s *Server) contractPDF(r *http.Request) (service.Document, error) {
	return s.Contracts.Contract(r.Context(), actorOf(r), chi.URLParam(r, "id"))
}

// awardID is the funded project an action changed: a page form then goes
// back to its page (at anchor), the API shows it as it now is.
type awardID string

// changed is the awardID of the request's project after err.
func changed(r *http.Request, err error) (awardID, error) {
	return awardID(chi.URLParam(r, "id")), err
}

// toAward sends a project page's form back to the page, at anchor, with
// flash.
func toAward[In any](anchor, flash string) func(*In, awardID) done {
	return func(_ *In, id awardID) done { return done{To: "/awards/" + string(id) + anchor, Flash: flash} }
}

// contractRoutes mounts the routes this file serves (see mounts).
func (s *Server) contractRoutes(m mounts) {
	m.pages.Get("/awards", view(s, "projects", s.loadProjectsPage))
	m.pages.Get("/awards.xlsx", xlsx(s, s.awardsSheet))
	m.pages.Get("/awards/{id}", view(s, "project", s.loadProjectPage))
	m.pages.Post("/awards/{id}/terms", form(s, s.setTerms, toAward[termsInput]("", "合同条款已确定，合同已生成。请双方阅读后确认。"),
		projectAgain(s, func(p *projectPage, in *termsInput) { p.Form, p.inlineFields = in.form, true })))
	m.pages.Post("/awards/{id}/confirmation", form(s, s.confirmContract, toAward[confirmInput]("", "已确认合同。双方确认后合同生效并公开。"), nil))
	m.pages.Get("/awards/{id}/contract.pdf", download(s, true, s.contractPDF))
	m.api.Get("/awards", apiRead(s, s.listAwards))
	m.api.Get("/awards.xlsx", xlsx(s, s.awardsSheet))
	m.api.Get("/awards/{id}", apiRead(s, s.award))
	m.api.Post("/awards/{id}/terms", apiWrite(s, http.StatusOK, andThen(s.setTerms, s.award)))
	m.api.Post("/awards/{id}/confirmation", apiWrite(s, http.StatusOK, andThen(s.confirmContract, s.award)))
	m.api.Get("/awards/{id}/contract.pdf", download(s, true, s.contractPDF))
}
