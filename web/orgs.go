package web

import (
	"errors"
	"html/template"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// registrationFromForm reads the registration form (multipart, with the
// qualification document as "document").
func registrationFromForm(w http.ResponseWriter, r *http.Request) (service.Registration, error) {
	r.Body = http.MaxBytesReader(w, r.Body, service.MaxAttachmentBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return service.Registration{}, domain.Errorf(domain.CodeInvalid, "文件超过 20 MB，请压缩后再上传。")
		}
		return service.Registration{}, domain.Wrap(err, domain.CodeInvalid, "表单内容无法读取，请刷新后重试。")
	}
	f := r.PostFormValue
	reg := service.Registration{
		Org: domain.OrgRegistration{
			Name: f("name"), USCC: f("uscc"), Type: domain.OrgType(f("org_type")),
			LegalRepName: f("legal_rep_name"), LegalRepID: f("legal_rep_id"),
			ContactName: f("contact_name"), ContactPhone: f("contact_phone"), District: f("district"),
		},
		Username: f("username"), DisplayName: f("display_name"), Password: f("password"),
		Consent: f("consent") == "yes",
	}
	if file, hdr, err := r.FormFile("document"); err == nil {
		defer file.Close()
		data, err := io.ReadAll(file)
		if err != nil {
			return reg, domain.Wrap(err, domain.CodeInvalid, "文件上传中断，请重新上传。")
		}
		reg.DocName, reg.Doc = hdr.Filename, data
	}
	return reg, nil
}

type registerPage struct {
	pageData
	Reg       service.Registration
	Errors    map[string]string
	Error     string
	Types     []domain.OrgType
	Districts []string
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) {
	s.show(w, r, http.StatusOK, "register", registerPage{pageData: s.page(r, "社会组织注册"),
		Types: domain.OrgTypes, Districts: domain.TianjinDistricts})
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) {
	err := s.registrationAllowed(r)
	var reg service.Registration
	if err == nil {
		reg, err = registrationFromForm(w, r)
	}
	if err == nil {
		_, _, err = s.Orgs.Register(r.Context(), reg, clientIP(r))
	}
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) || (de.Code != domain.CodeInvalid && de.Code != domain.CodeConflict && de.Code != domain.CodeTooMany) {
			s.fail(w, r, err)
			return
		}
		reg.Password = ""
		s.show(w, r, status(err), "register", registerPage{pageData: s.page(r, "社会组织注册"), Reg: reg,
			Errors: de.Fields, Error: de.Message, Types: domain.OrgTypes, Districts: domain.TianjinDistricts})
		return
	}
	s.redirectFlash(w, r, "/login", "注册已提交，等待所在区民政局审核。现在可以用新账号登录查看审核进度。")
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

func (s *Server) orgsPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := store.OrgFilter{Status: domain.OrgStatus(q.Get("status")), District: q.Get("district"), Search: q.Get("q"), Sort: q.Get("sort"), Page: page}
	res, err := s.Orgs.List(r.Context(), actorOf(r), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "社会组织")
	p.Nav = "orgs"
	s.show(w, r, http.StatusOK, "orgs", orgsPage{pageData: p, Page: res, Filter: f,
		Statuses:  []domain.OrgStatus{domain.OrgPending, domain.OrgVerified, domain.OrgRejected},
		Districts: domain.TianjinDistricts, Query: keepQuery(q, "status", "district", "q", "sort"), Filters: keepQuery(q, "status", "district", "q")})
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

func (s *Server) orgPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadOrgPage(r, false)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "org", data)
}

// revealOrg shows the full personal data once (POST, audited, not cached).
func (s *Server) revealOrg(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadOrgPage(r, true)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	s.show(w, r, http.StatusOK, "org", data)
}

func (s *Server) showOrgError(w http.ResponseWriter, r *http.Request, err error) {
	if c := domain.ErrorCode(err); c == domain.CodeInternal || c == domain.CodeUnavailable {
		s.fail(w, r, err)
		return
	}
	data, lerr := s.loadOrgPage(r, false)
	if lerr != nil {
		s.fail(w, r, err)
		return
	}
	data.Error = domain.ErrorMessage(err)
	for _, m := range fieldsOf(err) {
		data.Error += " " + m
	}
	s.show(w, r, status(err), "org", data)
}

func (s *Server) reviewOrg(w http.ResponseWriter, r *http.Request) {
	id, err := orgID(r)
	if err == nil {
		err = s.Orgs.Review(r.Context(), actorOf(r), id, r.PostFormValue("decision") == "approve", r.PostFormValue("reason"))
	}
	if err != nil {
		s.showOrgError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/orgs/"+chi.URLParam(r, "id"), "审核结果已保存。")
}

func parseDate(s string) time.Time {
	t, err := time.ParseInLocation(time.DateOnly, s, domain.ChinaTime)
	if err != nil {
		return time.Time{}
	}
	return t
}

func (s *Server) debarOrg(w http.ResponseWriter, r *http.Request) {
	id, err := orgID(r)
	if err == nil {
		err = s.Orgs.Debar(r.Context(), actorOf(r), id, r.PostFormValue("reason"),
			parseDate(r.PostFormValue("starts_on")), parseDate(r.PostFormValue("ends_on")))
	}
	if err != nil {
		s.showOrgError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/orgs/"+chi.URLParam(r, "id"), "已列入禁入名单。")
}

func (s *Server) downloadOrgDocument(w http.ResponseWriter, r *http.Request) {
	id, err := orgID(r)
	var d service.Document
	if err == nil {
		d, err = s.Orgs.Document(r.Context(), actorOf(r), id, chi.URLParam(r, "did"))
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sendDocument(w, d, false)
}

// API

func (s *Server) apiRegisterOrg(w http.ResponseWriter, r *http.Request) {
	if err := s.registrationAllowed(r); err != nil {
		s.apiFail(w, r, err)
		return
	}
	reg, err := registrationFromForm(w, r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	org, user, err := s.Orgs.Register(r.Context(), reg, clientIP(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"organisation": org, "user": user})
}

func (s *Server) apiListOrgs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	res, err := s.Orgs.List(r.Context(), actorOf(r), store.OrgFilter{Status: domain.OrgStatus(q.Get("status")),
		District: q.Get("district"), Search: q.Get("q"), Page: page, PerPage: perPage})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	items := res.Orgs
	if items == nil {
		items = []domain.Organisation{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": items, "total": res.Total, "page": res.Page, "per_page": res.PerPage})
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

func (s *Server) apiOrg(w http.ResponseWriter, r *http.Request, reveal bool) {
	data, err := s.loadOrgPage(r, reveal)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := apiOrg{Organisation: data.Org, Documents: []domain.Attachment{}, Debarments: []apiDebarment{}, Consents: data.Details.Consents,
		Grades: data.Grades}
	for _, d := range data.Details.Debarments {
		out.Debarments = append(out.Debarments, apiDebarment{Debarment: d,
			StartsOn: d.StartsOn.Format(time.DateOnly), EndsOn: d.EndsOn.Format(time.DateOnly)})
	}
	if out.Grades == nil {
		out.Grades = []store.OrgGrade{}
	}
	for _, d := range data.Details.Documents {
		out.Documents = append(out.Documents, publicAttachment(d))
	}
	if reveal {
		w.Header().Set("Cache-Control", "no-store")
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiGetOrg(w http.ResponseWriter, r *http.Request)    { s.apiOrg(w, r, false) }
func (s *Server) apiRevealOrg(w http.ResponseWriter, r *http.Request) { s.apiOrg(w, r, true) }

type reviewRequest struct {
	Decision string `json:"decision"` // approve or reject
	Reason   string `json:"reason"`
}

func (s *Server) apiReviewOrg(w http.ResponseWriter, r *http.Request) {
	var req reviewRequest
	id, err := orgID(r)
	if err == nil {
		err = decodeJSON(r, &req)
	}
	if err == nil && req.Decision != "approve" && req.Decision != "reject" {
		err = domain.Errorf(domain.CodeInvalid, "decision 须为 approve（通过）或 reject（不通过）。")
	}
	if err == nil {
		err = s.Orgs.Review(r.Context(), actorOf(r), id, req.Decision == "approve", req.Reason)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiOrg(w, r, false)
}

type debarRequest struct {
	Reason   string `json:"reason"`
	StartsOn string `json:"starts_on"` // YYYY-MM-DD
	EndsOn   string `json:"ends_on"`
}

func (s *Server) apiDebarOrg(w http.ResponseWriter, r *http.Request) {
	var req debarRequest
	id, err := orgID(r)
	if err == nil {
		err = decodeJSON(r, &req)
	}
	if err == nil {
		err = s.Orgs.Debar(r.Context(), actorOf(r), id, req.Reason, parseDate(req.StartsOn), parseDate(req.EndsOn))
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiOrg(w, r, false)
}

// orgRoutes mounts the routes this file serves (see mounts).
func (s *Server) orgRoutes(m mounts) {
	m.public.Get("/register", s.registerPage)
	m.public.Post("/register", s.register)
	m.pages.Get("/orgs", s.orgsPage)
	m.pages.Get("/orgs/{id}", s.orgPage)
	m.pages.Post("/orgs/{id}/reveal", s.revealOrg)
	m.pages.Post("/orgs/{id}/review", s.reviewOrg)
	m.pages.Post("/orgs/{id}/debarments", s.debarOrg)
	m.pages.Get("/orgs/{id}/documents/{did}", s.downloadOrgDocument)
	m.publicAPI.Post("/organisations", s.apiRegisterOrg)
	m.api.Get("/organisations", s.apiListOrgs)
	m.api.Get("/organisations/{id}", s.apiGetOrg)
	m.api.Post("/organisations/{id}/reveal", s.apiRevealOrg)
	m.api.Post("/organisations/{id}/review", s.apiReviewOrg)
	m.api.Post("/organisations/{id}/debarments", s.apiDebarOrg)
}
