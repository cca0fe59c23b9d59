package web

import (
	"encoding/hex"
	"html/template"
	"net/http"
	"net/url"
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

// exportRoutes mounts the routes this file serves (see mounts).
func (s *Server) exportRoutes(m mounts) {
	m.pages.Get("/calls.xlsx", s.exportCalls)
	m.pages.Get("/admin/audit.xlsx", s.exportAudit)
	m.api.Get("/calls.xlsx", s.exportCalls)
}

// sendXLSX sends rows as a workbook (until the remaining exports move to
// their resources).
func (s *Server) sendXLSX(w http.ResponseWriter, r *http.Request, name string, header []any, next func(page int) ([][]any, bool, error)) {
	xlsx(s, func(*http.Request) (sheet, error) { return sheet{name, header, next}, nil })(w, r)
}
