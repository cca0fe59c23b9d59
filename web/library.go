package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

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

// ideaInput is an idea as the form and the API send it; the form has the
// needs as a line of numbers.
type ideaInput struct {
	domain.ProposalDraft
	needText string // as typed, to show again
}

func (in *ideaInput) readForm(r *http.Request) error {
	return in.read(r, "请填写需求库中的需求编号，用逗号分隔，如 12, 15。")
}

// read reads the form; badNeeds is the refusal of a need list that is not
// numbers.
func (in *ideaInput) read(r *http.Request, badNeeds string) error {
	f := r.PostForm.Get
	ids, ok := parseNeedIDs(f("need_ids"))
	in.ProposalDraft = domain.ProposalDraft{Title: f("title"), Summary: f("summary"), Brand: domain.Brand(f("brand")), District: f("district"),
		Institution: f("institution"), NeedIDs: ids}
	in.needText = f("need_ids")
	if !ok {
		return &domain.Error{Code: domain.CodeInvalid, Message: "需求编号格式不对。", Fields: map[string]string{"need_ids": badNeeds}}
	}
	return nil
}

type ideasPage struct {
	pageData
	Ideas    []domain.Idea
	Total    int
	Form     domain.ProposalDraft
	NeedText string
	refusal
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
	ideas, total, err := s.Library.Ideas(r.Context(), actorOf(r), f)
	if err != nil {
		return ideasPage{}, err
	}
	q := r.URL.Query()
	p := s.page(r, "公益创投创意")
	p.Nav = "ideas"
	return ideasPage{pageData: p, Ideas: ideas, Total: total, Brands: domain.Brands,
		Districts: append([]string{domain.CityLevel}, domain.TianjinDistricts...), Form: domain.ProposalDraft{Brand: domain.BrandCunCaoXin},
		Filter: f, Statuses: domain.IdeaStatuses, Query: keepQuery(q, "status", "q", "sort"), Filters: keepQuery(q, "status", "q")}, nil
}

// submitIdea submits an institution's idea.
func (s *Server) submitIdea(r *http.Request, in *ideaInput) (domain.Idea, error) {
	return s.Library.SubmitIdea(r.Context(), actorOf(r), in.ProposalDraft)
}

// decisionRequest adopts an idea into the project library or declines it.
type decisionRequest struct {
	Decision string `json:"decision"` // adopt or decline
	Reason   string `json:"reason"`
}

func (in *decisionRequest) readForm(r *http.Request) error {
	in.Decision, in.Reason = r.PostForm.Get("decision"), r.PostForm.Get("reason")
	return nil
}

// decided is an idea's decision: the proposal it became, if adopted.
type decided struct {
	IdeaID     int64 `json:"idea_id"`
	ProposalID int64 `json:"proposal_id"`
}

func (s *Server) decideIdea(r *http.Request, in *decisionRequest) (decided, error) {
	id := idParam(r, "id")
	if in.Decision != "adopt" && in.Decision != "decline" {
		return decided{}, domain.Errorf(domain.CodeInvalid, "decision 须为 adopt（采纳）或 decline（退回）。")
	}
	proposal, err := s.Library.DecideIdea(r.Context(), actorOf(r), id, in.Decision == "adopt", in.Reason)
	return decided{id, proposal}, err
}

func (s *Server) listIdeas(r *http.Request) (list[domain.Idea], error) {
	ideas, total, err := s.Library.Ideas(r.Context(), actorOf(r), ideaFilter(r))
	return pageOf(ideas, total, 0, 0), err
}

type proposalsPage struct {
	pageData
	Proposals []domain.Proposal
	Total     int
	Filter    store.ProposalFilter
	Statuses  []domain.ProposalStatus
	Form      domain.ProposalDraft
	NeedText  string
	refusal
	Brands    []domain.Brand
	Districts []string
	Query     template.URL // filters and sort (paging, export)
	Filters   template.URL // filters alone (sort links)
}

// Pages is the number of pages.
func (p proposalsPage) Pages() int { return (p.Total + 19) / 20 }

func (s *Server) loadProposalsPage(r *http.Request) (proposalsPage, error) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := store.ProposalFilter{Status: domain.ProposalStatus(q.Get("status")), District: q.Get("district"), Search: q.Get("q"), Sort: q.Get("sort"),
		Page: page, PerPage: 20}
	props, total, err := s.Library.Proposals(r.Context(), actorOf(r), f)
	if err != nil {
		return proposalsPage{}, err
	}
	if f.Page <= 0 {
		f.Page = 1
	}
	p := s.page(r, "项目库")
	p.Nav = "proposals"
	return proposalsPage{pageData: p, Proposals: props, Total: total, Filter: f, Statuses: domain.ProposalStatuses,
		Brands: domain.Brands, Districts: append([]string{domain.CityLevel}, domain.TianjinDistricts...),
		Form:  domain.ProposalDraft{Brand: domain.BrandShouZuQing, District: userOf(r).District},
		Query: keepQuery(q, "status", "district", "q", "sort"), Filters: keepQuery(q, "status", "district", "q")}, nil
}

// proposalInput is a proposal civil affairs adds to the library.
type proposalInput struct{ ideaInput }

func (in *proposalInput) readForm(r *http.Request) error {
	return in.read(r, "请填写需求编号，用逗号分隔，如 12, 15。")
}

// newProposal is a proposal added, as the API answers it.
type newProposal struct {
	ID int64 `json:"id"`
}

func (p newProposal) location() string { return fmt.Sprintf("/api/v1/proposals?id=%d", p.ID) }

func (s *Server) addProposal(r *http.Request, in *proposalInput) (newProposal, error) {
	id, err := s.Library.AddProposal(r.Context(), actorOf(r), in.ProposalDraft)
	return newProposal{id}, err
}

// proposalFilter reads the API's proposal filters.
func proposalFilter(r *http.Request) store.ProposalFilter {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	return store.ProposalFilter{Status: domain.ProposalStatus(q.Get("status")), District: q.Get("district"), Search: q.Get("q"), Sort: q.Get("sort"),
		Page: page, PerPage: perPage}
}

func (s *Server) listProposals(r *http.Request) (list[domain.Proposal], error) {
	props, total, err := s.Library.Proposals(r.Context(), actorOf(r), proposalFilter(r))
	return pageOf(props, total, 0, 0), err
}

// proposalsSheet exports the project library with the list's filters.
func (s *Server) proposalsSheet(r *http.Request) (sheet, error) {
	f := proposalFilter(r)
	return sheet{"项目库.xlsx", []any{"编号", "名称", "内容、服务对象和预期成效", "品牌", "区", "来源", "关联需求", "状态", "入库时间"},
		paged(func(page, per int) ([]domain.Proposal, int, error) {
			f.Page, f.PerPage = page, per
			return s.Library.Proposals(r.Context(), actorOf(r), f)
		}, func(p domain.Proposal) []any {
			source := "民政凝练"
			if p.IdeaID != 0 {
				source = fmt.Sprintf("创意 #%d（%s）", p.IdeaID, p.Institution)
			}
			return []any{p.ID, p.Title, p.Summary, p.Brand.Label(), p.District, source, needList(p.NeedIDs), p.Status.Label(), cst(p.CreatedAt)}
		})}, nil
}

// ideasSheet exports the ideas the person may see, with the list's filters.
func (s *Server) ideasSheet(r *http.Request) (sheet, error) {
	f := ideaFilter(r)
	return sheet{"公益创投创意.xlsx", []any{"编号", "名称", "内容、服务对象和预期成效", "单位", "品牌", "区", "关联需求", "状态", "退回原因", "提交时间"},
		paged(func(page, per int) ([]domain.Idea, int, error) {
			f.Page, f.PerPage = page, per
			return s.Library.Ideas(r.Context(), actorOf(r), f)
		}, func(x domain.Idea) []any {
			return []any{x.ID, x.Title, x.Summary, x.Institution, x.Brand.Label(), x.District, needList(x.NeedIDs), x.Status.Label(), x.Reason, cst(x.CreatedAt)}
		})}, nil
}

func needList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("#%d", id)
	}
	return strings.Join(parts, ", ")
}

// libraryRoutes mounts the routes this file serves (see mounts).
func (s *Server) libraryRoutes(m mounts) {
	m.pages.Get("/ideas", view(s, "ideas", s.loadIdeasPage))
	m.pages.Get("/ideas.xlsx", xlsx(s, s.ideasSheet))
	m.pages.Post("/ideas", form(s, s.submitIdea, func(*ideaInput, domain.Idea) done {
		return done{To: "/ideas", Flash: "创意已提交，等待民政部门采纳。"}
	}, showAgain(s, "ideas", s.loadIdeasPage, func(p *ideasPage, in *ideaInput) { p.Form, p.NeedText = in.ProposalDraft, in.needText })))
	m.pages.Post("/ideas/{id}/decision", form(s, s.decideIdea, func(in *decisionRequest, _ decided) done {
		if in.Decision == "adopt" {
			return done{To: "/ideas", Flash: "创意已采纳，进入项目库。"}
		}
		return done{To: "/ideas", Flash: "已退回该创意。"}
	}, showAgain[ideasPage, *ideasPage, decisionRequest](s, "ideas", s.loadIdeasPage, nil)))
	m.pages.Get("/proposals", view(s, "proposals", s.loadProposalsPage))
	m.pages.Get("/proposals.xlsx", xlsx(s, s.proposalsSheet))
	m.pages.Post("/proposals", form(s, s.addProposal, func(*proposalInput, newProposal) done {
		return done{To: "/proposals", Flash: "已加入项目库。"}
	}, showAgain(s, "proposals", s.loadProposalsPage, func(p *proposalsPage, in *proposalInput) { p.Form, p.NeedText = in.ProposalDraft, in.needText })))
	m.api.Get("/ideas", apiRead(s, s.listIdeas))
	m.api.Post("/ideas", apiWrite(s, http.StatusCreated, s.submitIdea))
	m.api.Post("/ideas/{id}/decision", apiWrite(s, http.StatusOK, s.decideIdea))
	m.api.Get("/proposals", apiRead(s, s.listProposals))
	m.api.Post("/proposals", apiWrite(s, http.StatusCreated, s.addProposal))
}
