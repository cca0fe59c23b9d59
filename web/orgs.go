package web

import (
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// registrationInput is an organisation's registration: the multipart form
// of the page and the API, with the registration certificate as
// "document".
type registrationInput struct {
	service.Registration
}

func (in *registrationInput) readForm(r *http.Request) error {
	if err := parseUpload(r, service.MaxAttachmentBytes, "文件超过 20 MB，请压缩后再上传。"); err != nil {
		return err
	}
	f := r.PostForm.Get
	in.Registration = service.Registration{
		Org: domain.OrgRegistration{
			Name: f("name"), USCC: f("uscc"), Type: domain.OrgType(f("org_type")),
			LegalRepName: f("legal_rep_name"), LegalRepID: f("legal_rep_id"),
			ContactName: f("contact_name"), ContactPhone: f("contact_phone"), District: f("district"),
		},
		Username: f("username"), DisplayName: f("display_name"), Password: f("password"),
		Consent: f("consent") == "yes",
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["document"]) == 0 {
		return nil // the service names the missing certificate with the other fields
	}
	doc, err := formFile(r, "document", errNoFile)
	in.DocName, in.Doc = doc.Name, doc.Data
	return err
}

// registered is a new organisation and its first account.
type registered struct {
	Org  domain.Organisation `json:"organisation"`
	User domain.User         `json:"user"`
}

// register registers an organisation and its account (limited per
// address before any password is hashed).
func (s *Server) register(r *http.Request, in *registrationInput) (registered, error) {
	if err := s.registrationAllowed(r); err != nil {
		return registered{}, err
	}
	org, user, err := s.Orgs.Register(r.Context(), in.Registration, clientIP(r))
	return registered{org, user}, err
}

type registerPage struct {
	pageData
	Reg service.Registration
	refusal
	Types     []domain.OrgType
	Districts []string
}

func (s *Server) loadRegisterPage(r *http.Request) (registerPage, error) {
	return registerPage{pageData: s.page(r, "社会组织注册"), Types: domain.OrgTypes, Districts: domain.TianjinDistricts}, nil
}

type orgsPage struct {
	pageData
	Page      store.OrgPage
	Filter    store.OrgFilter
	Statuses  []domain.OrgStatus
	Districts []string
	Query     template.URL // filters and sort, without the page
	Filters   template.URL // filters alone (for the sort links)
}

// orgFilter reads the organisations list's filters, sort and page.
func orgFilter(r *http.Request) store.OrgFilter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	return store.OrgFilter{Status: domain.OrgStatus(q.Get("status")), District: q.Get("district"), Search: q.Get("q"), Sort: q.Get("sort"),
		Page: page, PerPage: perPage}
}

func (s *Server) loadOrgsPage(r *http.Request) (orgsPage, error) {
	q := r.URL.Query()
	f := orgFilter(r)
	f.PerPage = 0
	res, err := s.Orgs.List(r.Context(), actorOf(r), f)
	p := s.page(r, "社会组织")
	p.Nav = "orgs"
	return orgsPage{pageData: p, Page: res, Filter: f,
		Statuses:  []domain.OrgStatus{domain.OrgPending, domain.OrgVerified, domain.OrgRejected},
		Districts: domain.TianjinDistricts, Query: keepQuery(q, "status", "district", "q", "sort"), Filters: keepQuery(q, "status", "district", "q")}, err
}

type orgPage struct {
	pageData
	Org      domain.Organisation
	Details  service.Details
	Revealed bool
	Error    string
	Today    string
	Grades   []store.OrgGrade // the organisation's record of final grades
}

func orgID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, domain.Errorf(domain.CodeNotFound, "找不到该社会组织，请检查链接。")
	}
	return id, nil
}

func (s *Server) loadOrgPage(r *http.Request, reveal bool) (orgPage, error) {
	id, err := orgID(r)
	if err != nil {
		return orgPage{}, err
	}
	var o domain.Organisation
	if reveal {
		o, err = s.Orgs.Reveal(r.Context(), actorOf(r), id)
	} else {
		o, err = s.Orgs.Get(r.Context(), actorOf(r), id)
	}
	if err != nil {
		return orgPage{}, err
	}
	d, err := s.Orgs.Details(r.Context(), actorOf(r), id)
	if err != nil {
		return orgPage{}, err
	}
	grades, err := s.Evaluations.Grades(r.Context(), id)
	if err != nil {
		return orgPage{}, err
	}
	p := s.page(r, o.Name)
	p.Nav = "orgs"
	return orgPage{pageData: p, Org: o, Details: d, Revealed: reveal, Grades: grades,
		Today: time.Now().In(domain.ChinaTime).Format(time.DateOnly)}, nil
}

// loadShownOrgPage is an organisation's page with personal data masked.
func (s *Server) loadShownOrgPage(r *http.Request) (orgPage, error) { return s.loadOrgPage(r, false) }

func (p *orgPage) refuse(err error) { p.Error = domain.ErrorMessage(err) + fieldHint(err) }

// revealedOrgPage shows the full personal data once (POST, audited, not
// kept).
func (s *Server) revealedOrgPage(r *http.Request, _ *none) (orgPage, error) {
	return s.loadOrgPage(r, true)
}

// reviewRequest approves or rejects a registration.
type reviewRequest struct {
	Decision string `json:"decision"` // approve or reject
	Reason   string `json:"reason"`
}

func (in *reviewRequest) readForm(r *http.Request) error {
	in.Decision, in.Reason = r.PostForm.Get("decision"), r.PostForm.Get("reason")
	return nil
}

func (s *Server) reviewOrg(r *http.Request, in *reviewRequest) (int64, error) {
	id, err := orgID(r)
	if err == nil && in.Decision != "approve" && in.Decision != "reject" {
		err = domain.Errorf(domain.CodeInvalid, "decision 须为 approve（通过）或 reject（不通过）。")
	}
	if err == nil {
		err = s.Orgs.Review(r.Context(), actorOf(r), id, in.Decision == "approve", in.Reason)
	}
	return id, err
}

func parseDate(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, domain.ChinaTime)
	if err != nil {
		return time.Time{}
	}
	return t
}

// debarRequest debars an organisation from its first to its last day.
type debarRequest struct {
	Reason   string `json:"reason"`
	StartsOn string `json:"starts_on"` // YYYY-MM-DD
	EndsOn   string `json:"ends_on"`
}

func (in *debarRequest) readForm(r *http.Request) error {
	f := r.PostForm.Get
	in.Reason, in.StartsOn, in.EndsOn = f("reason"), f("starts_on"), f("ends_on")
	return nil
}

func (s *Server) debarOrg(r *http.Request, in *debarRequest) (int64, error) {
	id, err := orgID(r)
	if err == nil {
		err = s.Orgs.Debar(r.Context(), actorOf(r), id, in.Reason, parseDate(in.StartsOn), parseDate(in.EndsOn))
	}
	return id, err
}

func (s *Server) orgDocument(r *http.Request) (service.Document, error) {
	id, err := orgID(r)
	if err != nil {
		return service.Document{}, err
	}
	return s.Orgs.Document(r.Context(), actorOf(r), id, chi.URLParam(r, "did"))
}

func (s *Server) listOrgs(r *http.Request) (list[domain.Organisation], error) {
	f := orgFilter(r)
	f.Sort = ""
	res, err := s.Orgs.List(r.Context(), actorOf(r), f)
	return pageOf(res.Orgs, res.Total, res.Page, res.PerPage), err
}

type apiOrg struct {
	domain.Organisation
	Documents  []domain.Attachment `json:"documents"`
	Debarments []apiDebarment      `json:"debarments"`
	Consents   []domain.Consent    `json:"consents"`
	Grades     []store.OrgGrade    `json:"grades"` // final evaluation grades: the organisation's record
}

// apiDebarment is a debarment as the API describes it: its first and last
// days as dates (2006-01-02), the form they are sent in — not as the UTC
// midnight timestamps the database's dates scan into.
type apiDebarment struct {
	domain.Debarment
	StartsOn string `json:"starts_on"`
	EndsOn   string `json:"ends_on"`
}

func (s *Server) orgView(r *http.Request, reveal bool) (apiOrg, error) {
	data, err := s.loadOrgPage(r, reveal)
	if err != nil {
		return apiOrg{}, err
	}
	out := apiOrg{Organisation: data.Org, Documents: []domain.Attachment{}, Debarments: []apiDebarment{}, Consents: data.Details.Consents,
		Grades: listOf(data.Grades).Items}
	for _, d := range data.Details.Debarments {
		out.Debarments = append(out.Debarments, apiDebarment{Debarment: d,
			StartsOn: d.StartsOn.Format(time.DateOnly), EndsOn: d.EndsOn.Format(time.DateOnly)})
	}
	for _, d := range data.Details.Documents {
		out.Documents = append(out.Documents, publicAttachment(d))
	}
	return out, nil
}

func (s *Server) org(r *http.Request) (apiOrg, error)                  { return s.orgView(r, false) }
func (s *Server) revealedOrg(r *http.Request, _ *none) (apiOrg, error) { return s.orgView(r, true) }

// orgsSheet exports the organisations the person may see, with the list's
// filters; personal data (the legal representative's ID, phones) stays out.
func (s *Server) orgsSheet(r *http.Request) (sheet, error) {
	f := orgFilter(r)
	return sheet{"社会组织.xlsx", []any{"编号", "名称", "统一社会信用代码", "类型", "区", "状态", "禁入中", "注册时间"},
		paged(func(page, per int) ([]domain.Organisation, int, error) {
			f.Page, f.PerPage = page, per
			res, err := s.Orgs.List(r.Context(), actorOf(r), f)
			return res.Orgs, res.Total, err
		}, func(o domain.Organisation) []any {
			debarred := ""
			if o.Debarred {
				debarred = "是"
			}
			return []any{o.ID, o.Name, o.USCC, o.Type.Label(), o.District, o.Status.Label(), debarred, cst(o.CreatedAt)}
		})}, nil
}

// toOrg sends an organisation's form back to its page with flash.
func toOrg[In any](flash string) func(*In, int64) done {
	return func(_ *In, id int64) done { return done{To: "/orgs/" + strconv.FormatInt(id, 10), Flash: flash} }
}

// orgRoutes mounts the routes this file serves (see mounts).
func (s *Server) orgRoutes(m mounts) {
	m.public.Get("/register", view(s, "register", s.loadRegisterPage))
	m.public.Post("/register", form(s, s.register, func(*registrationInput, registered) done {
		return done{To: "/login", Flash: "注册已提交，等待所在区民政局审核。现在可以用新账号登录查看审核进度。"}
	}, showAgain(s, "register", s.loadRegisterPage, func(p *registerPage, in *registrationInput) {
		p.Reg = in.Registration
		p.Reg.Password = ""
	})))
	m.pages.Get("/orgs", view(s, "orgs", s.loadOrgsPage))
	m.pages.Get("/orgs.xlsx", xlsx(s, s.orgsSheet))
	m.pages.Get("/orgs/{id}", view(s, "org", s.loadShownOrgPage))
	m.pages.Post("/orgs/{id}/reveal", noStore(formPage(s, "org", s.revealedOrgPage)))
	m.pages.Post("/orgs/{id}/review", form(s, s.reviewOrg, toOrg[reviewRequest]("审核结果已保存。"), orgAgain[reviewRequest](s)))
	m.pages.Post("/orgs/{id}/debarments", form(s, s.debarOrg, toOrg[debarRequest]("已列入禁入名单。"), orgAgain[debarRequest](s)))
	m.pages.Get("/orgs/{id}/documents/{did}", download(s, false, s.orgDocument))
	m.publicAPI.Post("/organisations", apiUpload(s, http.StatusCreated, s.register))
	m.api.Get("/organisations", apiRead(s, s.listOrgs))
	m.api.Get("/organisations.xlsx", xlsx(s, s.orgsSheet))
	m.api.Get("/organisations/{id}", apiRead(s, s.org))
	m.api.Post("/organisations/{id}/reveal", noStore(apiWrite(s, http.StatusOK, s.revealedOrg)))
	m.api.Post("/organisations/{id}/review", apiWrite(s, http.StatusOK, andThen(s.reviewOrg, s.org)))
	m.api.Post("/organisations/{id}/debarments", apiWrite(s, http.StatusOK, andThen(s.debarOrg, s.org)))
}

// orgAgain shows an organisation's page again after a refused form.
func orgAgain[In any](s *Server) again[In] {
	return showAgain[orgPage, *orgPage, In](s, "org", s.loadShownOrgPage, nil)
}
