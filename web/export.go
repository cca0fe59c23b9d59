package web

import (
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

func cst(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(domain.ChinaTime).Format("2006-01-02 15:04")
}

// exportCalls exports the calls the person may see, with the list's filters.
func (s *Server) exportCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.sendXLSX(w, r, "征集.xlsx", []any{"编号", "标题", "品牌", "区", "采购方式", "预算（元）", "阶段", "投标截止", "创建"},
		func(page int) ([][]any, bool, error) {
			res, err := s.Calls.List(r.Context(), actorOf(r), store.CallFilter{Stage: domain.CallStage(q.Get("stage")), District: q.Get("district"),
				Search: q.Get("q"), Sort: q.Get("sort"), Page: page, PerPage: 200})
			if err != nil {
				return nil, false, err
			}
			out := make([][]any, len(res.Calls))
			for i, c := range res.Calls {
				out[i] = []any{c.Number, c.Title, c.Brand.Label(), c.District, c.Plan.Mode.Label(), float64(c.Budget) / 100, c.Stage.Label(),
					cst(c.BidDeadline), cst(c.CreatedAt)}
			}
			return out, page*200 < res.Total, nil
		})
}

// keepQuery is the list's filters as a query string (without the page).
// keepQuery is the query string of the listed parameters that are set: safe
// to write into a link as it is (already encoded).
func keepQuery(q url.Values, keys ...string) template.URL {
	keep := url.Values{}
	for _, k := range keys {
		if v := q.Get(k); v != "" {
			keep.Set(k, v)
		}
	}
	return template.URL(keep.Encode())
}

// exportOrgs exports the organisations the person may see, with the list's
// filters; personal data (the legal representative's ID, phones) stays out.
func (s *Server) exportOrgs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	s.sendXLSX(w, r, "社会组织.xlsx", []any{"编号", "名称", "统一社会信用代码", "类型", "区", "状态", "禁入中", "注册时间"},
		func(page int) ([][]any, bool, error) {
			res, err := s.Orgs.List(r.Context(), actorOf(r), store.OrgFilter{Status: domain.OrgStatus(q.Get("status")), District: q.Get("district"),
				Search: q.Get("q"), Sort: q.Get("sort"), Page: page, PerPage: 200})
			if err != nil {
				return nil, false, err
			}
			out := make([][]any, len(res.Orgs))
			for i, o := range res.Orgs {
				debarred := ""
				if o.Debarred {
					debarred = "是"
				}
				out[i] = []any{o.ID, o.Name, o.USCC, o.Type.Label(), o.District, o.Status.Label(), debarred, cst(o.CreatedAt)}
			}
			return out, page*200 < res.Total, nil
		})
}

// exportTalents exports the talent library with the list's filters (phones
// masked, as on the page).
func (s *Server) exportTalents(w http.ResponseWriter, r *http.Request) {
	f := talentFilter(r)
	f.PerPage = 200
	s.sendXLSX(w, r, "人才库.xlsx", []any{"编号", "姓名", "类型", "层级", "区", "职称/职务", "现工作单位", "专业领域", "手机号（遮蔽）", "可参加评审"},
		func(page int) ([][]any, bool, error) {
			f.Page = page
			res, err := s.Talents.List(r.Context(), actorOf(r), f)
			if err != nil {
				return nil, false, err
			}
			out := make([][]any, len(res.Talents))
			for i, t := range res.Talents {
				fields := make([]string, len(t.Fields))
				for j, x := range t.Fields {
					fields[j] = x.Label()
				}
				out[i] = []any{t.ID, t.Name, t.Kind.Label(), t.Level.Label(), t.District, t.Title, t.Employer, strings.Join(fields, "、"), t.Phone, yesNo(t.Available)}
			}
			return out, page*f.PerPage < res.Total, nil
		})
}

// exportProposals exports the project library with the list's filters.
func (s *Server) exportProposals(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := store.ProposalFilter{Status: domain.ProposalStatus(q.Get("status")), District: q.Get("district"), Search: q.Get("q"), Sort: q.Get("sort"), PerPage: 200}
	s.sendXLSX(w, r, "项目库.xlsx", []any{"编号", "名称", "内容、服务对象和预期成效", "品牌", "区", "来源", "关联需求", "状态", "入库时间"},
		func(page int) ([][]any, bool, error) {
			f.Page = page
			props, total, err := s.Projects.Proposals(r.Context(), actorOf(r), f)
			if err != nil {
				return nil, false, err
			}
			out := make([][]any, len(props))
			for i, p := range props {
				source := "民政凝练"
				if p.IdeaID != 0 {
					source = fmt.Sprintf("创意 #%d（%s）", p.IdeaID, p.Institution)
				}
				out[i] = []any{p.ID, p.Title, p.Summary, p.Brand.Label(), p.District, source, needList(p.NeedIDs), p.Status.Label(), cst(p.CreatedAt)}
			}
			return out, page*f.PerPage < total, nil
		})
}

// exportIdeas exports the ideas the person may see, with the list's filters.
func (s *Server) exportIdeas(w http.ResponseWriter, r *http.Request) {
	f := ideaFilter(r)
	f.PerPage = 200
	s.sendXLSX(w, r, "公益创投创意.xlsx", []any{"编号", "名称", "内容、服务对象和预期成效", "单位", "品牌", "区", "关联需求", "状态", "退回原因", "提交时间"},
		func(page int) ([][]any, bool, error) {
			f.Page = page
			ideas, total, err := s.Projects.Ideas(r.Context(), actorOf(r), f)
			if err != nil {
				return nil, false, err
			}
			out := make([][]any, len(ideas))
			for i, x := range ideas {
				out[i] = []any{x.ID, x.Title, x.Summary, x.Institution, x.Brand.Label(), x.District, needList(x.NeedIDs), x.Status.Label(), x.Reason, cst(x.CreatedAt)}
			}
			return out, page*f.PerPage < total, nil
		})
}

// exportAudit exports the audit log with the page's filters, newest first,
// hashes included (the chain can be checked from the sheet).
func (s *Server) exportAudit(w http.ResponseWriter, r *http.Request) {
	if err := auth.Authorize(userOf(r), auth.ActionViewAudit, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	f := auditFilter(r)
	f.Limit = 500
	s.sendXLSX(w, r, "审计日志.xlsx", []any{"序号", "时间", "操作人编号", "操作人", "操作", "对象类型", "对象编号", "来源 IP", "摘要", "前一条哈希", "哈希"},
		func(int) ([][]any, bool, error) {
			entries, err := s.Store.ListAudit(r.Context(), f)
			if err != nil {
				return nil, false, err
			}
			out := make([][]any, len(entries))
			for i, e := range entries {
				out[i] = []any{e.Seq, cst(e.At), e.ActorID, e.ActorName, e.Action, e.ObjectType, e.ObjectID, e.IP, e.Summary, hex.EncodeToString(e.PrevHash), hex.EncodeToString(e.Hash)}
			}
			if len(entries) > 0 {
				f.BeforeSeq = entries[len(entries)-1].Seq
			}
			return out, len(entries) == f.Limit, nil
		})
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func needList(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = fmt.Sprintf("#%d", id)
	}
	return strings.Join(parts, ", ")
}

// exportRoutes mounts the routes this file serves (see mounts).
func (s *Server) exportRoutes(m mounts) {
	m.pages.Get("/calls.xlsx", s.exportCalls)
	m.pages.Get("/admin/audit.xlsx", s.exportAudit)
	m.pages.Get("/ideas.xlsx", s.exportIdeas)
	m.pages.Get("/projects.xlsx", s.exportProposals)
	m.pages.Get("/talents.xlsx", s.exportTalents)
	m.pages.Get("/orgs.xlsx", s.exportOrgs)
	m.api.Get("/calls.xlsx", s.exportCalls)
	m.api.Get("/organisations.xlsx", s.exportOrgs)
}

// sendXLSX sends rows as a workbook (until the remaining exports move to
// their resources).
func (s *Server) sendXLSX(w http.ResponseWriter, r *http.Request, name string, header []any, next func(page int) ([][]any, bool, error)) {
	xlsx(s, func(*http.Request) (sheet, error) { return sheet{name, header, next}, nil })(w, r)
}
