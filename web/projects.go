package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// parseNeedIDs reads "12, 15，18" into need IDs.
func parseNeedIDs(s string) ([]int64, bool) {
	var ids []int64
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '，' || r == ' ' || r == '、' }) {
		id, err := strconv.ParseInt(part, 10, 64)
		if err != nil || id <= 0 {
			return nil, false
		}
		ids = append(ids, id)
	}
	return ids, true
}

func ideaFromForm(r *http.Request) (domain.ProjectIdea, string, bool) {
	f := r.PostFormValue
	ids, ok := parseNeedIDs(f("need_ids"))
	return domain.ProjectIdea{Title: f("title"), Summary: f("summary"), Brand: domain.Brand(f("brand")), District: f("district"),
		Institution: f("institution"), NeedIDs: ids}, f("need_ids"), ok
}

type ideasPage struct {
	pageData
	Ideas     []domain.Idea
	Total     int
	Form      domain.ProjectIdea
	NeedText  string
	Errors    map[string]string
	Error     string
	Brands    []domain.Brand
	Districts []string
	Filter    store.IdeaFilter
	Statuses  []domain.IdeaStatus
	Query     template.URL // filters and sort (paging, export)
	Filters   template.URL // filters alone (sort links)
}

// Pages is the number of pages.
func (p ideasPage) Pages() int { return (p.Total + 19) / 20 }

// ideaFilter reads the ideas list's filters, sort and page.
func ideaFilter(r *http.Request) store.IdeaFilter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	if page <= 0 {
		page = 1
	}
	return store.IdeaFilter{Status: domain.IdeaStatus(q.Get("status")), Search: q.Get("q"), Sort: q.Get("sort"), Page: page, PerPage: 20}
}

func (s *Server) loadIdeasPage(r *http.Request) (ideasPage, error) {
	f := ideaFilter(r)
	ideas, total, err := s.Projects.Ideas(r.Context(), actorOf(r), f)
	if err != nil {
		return ideasPage{}, err
	}
	q := r.URL.Query()
	p := s.page(r, "公益创投创意")
	p.Nav = "ideas"
	return ideasPage{pageData: p, Ideas: ideas, Total: total, Brands: domain.Brands,
		Districts: append([]string{domain.CityLevel}, domain.TianjinDistricts...), Form: domain.ProjectIdea{Brand: domain.BrandCunCaoXin},
		Filter: f, Statuses: domain.IdeaStatuses, Query: keepQuery(q, "status", "q", "sort"), Filters: keepQuery(q, "status", "q")}, nil
}

func (s *Server) ideasPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadIdeasPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "ideas", data)
}

func (s *Server) ideasError(w http.ResponseWriter, r *http.Request, err error, form domain.ProjectIdea, needText string) {
	if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict {
		s.fail(w, r, err)
		return
	}
	data, lerr := s.loadIdeasPage(r)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	data.Form, data.NeedText, data.Error = form, needText, domain.ErrorMessage(err)
	data.Errors = fieldsOf(err)
	s.show(w, r, status(err), "ideas", data)
}

func (s *Server) submitIdea(w http.ResponseWriter, r *http.Request) {
	p, text, ok := ideaFromForm(r)
	var err error
	if !ok {
		err = &domain.Error{Code: domain.CodeInvalid, Message: "需求编号格式不对。", Fields: map[string]string{"need_ids": "请填写需求库中的需求编号，用逗号分隔，如 12, 15。"}}
	} else {
		_, err = s.Projects.SubmitIdea(r.Context(), actorOf(r), p)
	}
	if err != nil {
		s.ideasError(w, r, err, p, text)
		return
	}
	s.redirectFlash(w, r, "/ideas", "创意已提交，等待民政部门采纳。")
}

func (s *Server) decideIdea(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	adopt := r.PostFormValue("decision") == "adopt"
	if _, err := s.Projects.DecideIdea(r.Context(), actorOf(r), id, adopt, r.PostFormValue("reason")); err != nil {
		s.ideasError(w, r, err, domain.ProjectIdea{Brand: domain.BrandCunCaoXin}, "")
		return
	}
	msg := "已退回该创意。"
	if adopt {
		msg = "创意已采纳，进入项目库。"
	}
	s.redirectFlash(w, r, "/ideas", msg)
}

type projectsPage struct {
	pageData
	Proposals []domain.Proposal
	Total     int
	Filter    store.ProposalFilter
	Statuses  []domain.ProposalStatus
	Form      domain.ProjectIdea
	NeedText  string
	Errors    map[string]string
	Error     string
	Brands    []domain.Brand
	Districts []string
	Query     template.URL // filters and sort (paging, export)
	Filters   template.URL // filters alone (sort links)
}

// Pages is the number of pages.
func (p projectsPage) Pages() int { return (p.Total + 19) / 20 }

func (s *Server) loadProjectsPage(r *http.Request) (projectsPage, error) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := store.ProposalFilter{Status: domain.ProposalStatus(q.Get("status")), District: q.Get("district"), Search: q.Get("q"), Sort: q.Get("sort"),
		Page: page, PerPage: 20}
	props, total, err := s.Projects.Proposals(r.Context(), actorOf(r), f)
	if err != nil {
		return projectsPage{}, err
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	p := s.page(r, "项目库")
	p.Nav = "projects"
	return projectsPage{pageData: p, Proposals: props, Total: total, Filter: f, Statuses: domain.ProposalStatuses,
		Brands: domain.Brands, Districts: append([]string{domain.CityLevel}, domain.TianjinDistricts...),
		Form:  domain.ProjectIdea{Brand: domain.BrandShouZuQing, District: userOf(r).District},
		Query: keepQuery(q, "status", "district", "q", "sort"), Filters: keepQuery(q, "status", "district", "q")}, nil
}

func (s *Server) projectsPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadProjectsPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "projects", data)
}

func (s *Server) addProposal(w http.ResponseWriter, r *http.Request) {
	p, text, ok := ideaFromForm(r)
	var err error
	if !ok {
		err = &domain.Error{Code: domain.CodeInvalid, Message: "需求编号格式不对。", Fields: map[string]string{"need_ids": "请填写需求编号，用逗号分隔，如 12, 15。"}}
	} else {
		_, err = s.Projects.AddProposal(r.Context(), actorOf(r), p)
	}
	if err != nil {
		if c := domain.ErrorCode(err); c != domain.CodeInvalid {
			s.fail(w, r, err)
			return
		}
		data, lerr := s.loadProjectsPage(r)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		data.Form, data.NeedText, data.Error = p, text, domain.ErrorMessage(err)
		data.Errors = fieldsOf(err)
		s.show(w, r, status(err), "projects", data)
		return
	}
	s.redirectFlash(w, r, "/projects", "已加入项目库。")
}

// API

func (s *Server) apiIdeas(w http.ResponseWriter, r *http.Request) {
	ideas, total, err := s.Projects.Ideas(r.Context(), actorOf(r), ideaFilter(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if ideas == nil {
		ideas = []domain.Idea{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ideas, "total": total})
}

func (s *Server) apiSubmitIdea(w http.ResponseWriter, r *http.Request) {
	var p domain.ProjectIdea
	if err := decodeJSON(r, &p); err != nil {
		s.apiFail(w, r, err)
		return
	}
	i, err := s.Projects.SubmitIdea(r.Context(), actorOf(r), p)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, i)
}

type decisionRequest struct {
	Decision string `json:"decision"` // adopt or decline
	Reason   string `json:"reason"`
}

func (s *Server) apiDecideIdea(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var req decisionRequest
	err := decodeJSON(r, &req)
	if err == nil && req.Decision != "adopt" && req.Decision != "decline" {
		err = domain.Errorf(domain.CodeInvalid, "decision 须为 adopt（采纳）或 decline（退回）。")
	}
	var proposal int64
	if err == nil {
		proposal, err = s.Projects.DecideIdea(r.Context(), actorOf(r), id, req.Decision == "adopt", req.Reason)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"idea_id": id, "proposal_id": proposal})
}

func (s *Server) apiProposals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	props, total, err := s.Projects.Proposals(r.Context(), actorOf(r), store.ProposalFilter{
		Status: domain.ProposalStatus(q.Get("status")), District: q.Get("district"), Search: q.Get("q"), Sort: q.Get("sort"), Page: page, PerPage: perPage})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if props == nil {
		props = []domain.Proposal{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": props, "total": total})
}

func (s *Server) apiAddProposal(w http.ResponseWriter, r *http.Request) {
	var p domain.ProjectIdea
	if err := decodeJSON(r, &p); err != nil {
		s.apiFail(w, r, err)
		return
	}
	id, err := s.Projects.AddProposal(r.Context(), actorOf(r), p)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/proposals?id=%d", id))
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
}

// projectRoutes mounts the routes this file serves (see mounts).
func (s *Server) projectRoutes(m mounts) {
	m.pages.Get("/ideas", s.ideasPage)
	m.pages.Post("/ideas", s.submitIdea)
	m.pages.Post("/ideas/{id}/decision", s.decideIdea)
	m.pages.Get("/projects", s.projectsPage)
	m.pages.Post("/projects", s.addProposal)
	m.api.Get("/ideas", s.apiIdeas)
	m.api.Post("/ideas", s.apiSubmitIdea)
	m.api.Post("/ideas/{id}/decision", s.apiDecideIdea)
	m.api.Get("/proposals", s.apiProposals)
	m.api.Post("/proposals", s.apiAddProposal)
}
