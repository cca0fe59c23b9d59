package web

// The calls list's export (the calls' pages and API are in pages.go and
// api.go).

import (
	"net/http"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// callsSheet exports the calls the person may see, with the list's
// filters.
func (s *Server) callsSheet(r *http.Request) (sheet, error) {
	q := r.URL.Query()
	return sheet{"征集.xlsx", []any{"编号", "标题", "品牌", "区", "采购方式", "预算（元）", "阶段", "投标截止", "创建"},
		paged(func(page, per int) ([]service.CallView, int, error) {
			res, err := s.Calls.List(r.Context(), actorOf(r), store.CallFilter{Stage: domain.CallStage(q.Get("stage")), District: q.Get("district"),
				Search: q.Get("q"), Sort: q.Get("sort"), Page: page, PerPage: per})
			return res.Calls, res.Total, err
		}, func(c service.CallView) []any {
			return []any{c.Number, c.Title, c.Brand.Label(), c.District, c.Plan.Mode.Label(), float64(c.Budget) / 100, c.Stage.Label(),
				cst(c.BidDeadline), cst(c.CreatedAt)}
		})}, nil
}

// callExportRoutes mounts the routes this file serves (see mounts).
func (s *Server) callExportRoutes(m mounts) {
	m.pages.Get("/calls.xlsx", xlsx(s, s.callsSheet))
	m.api.Get("/calls.xlsx", xlsx(s, s.callsSheet))
}
