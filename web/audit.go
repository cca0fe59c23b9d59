package web

import (
	"encoding/hex"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

func auditFilter(r *http.Request) store.AuditFilter {
	q := r.URL.Query()
	before, _ := strconv.ParseInt(q.Get("before"), 10, 64)
	actor, _ := strconv.ParseInt(q.Get("actor_id"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	return store.AuditFilter{
		Action: strings.TrimSpace(q.Get("action")), ObjectType: strings.TrimSpace(q.Get("object_type")),
		ObjectID: strings.TrimSpace(q.Get("object_id")), ActorID: actor, BeforeSeq: before, Limit: limit,
	}
}

type auditPage struct {
	pageData
	Entries []domain.AuditEntry
	Filter  store.AuditFilter
	Older   template.URL // query string of the next (older) page
	Query   template.URL // the filters (export)
}

// HashHex shows the start of an entry's hash.
func (auditPage) HashHex(b []byte) string { return hex.EncodeToString(b)[:16] }

// loadAuditPage lists the audit log for admins, newest first, filtered
// and paged on the server.
func (s *Server) loadAuditPage(r *http.Request) (auditPage, error) {
	if err := auth.Authorize(userOf(r), auth.ActionViewAudit, ""); err != nil {
		return auditPage{}, err
	}
	f := auditFilter(r)
	f.Limit = 50
	entries, err := s.Store.ListAudit(r.Context(), f)
	if err != nil {
		return auditPage{}, err
	}
	p := s.page(r, "审计日志")
	p.Nav = "audit"
	data := auditPage{pageData: p, Entries: entries, Filter: f, Query: keepQuery(r.URL.Query(), "action", "object_type", "object_id", "actor_id")}
	if len(entries) == f.Limit {
		q := r.URL.Query()
		q.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		data.Older = template.URL(q.Encode())
	}
	return data, nil
}

func (s *Server) listAudit(r *http.Request) (list[domain.AuditEntry], error) {
	if err := auth.Authorize(userOf(r), auth.ActionViewAudit, ""); err != nil {
		return list[domain.AuditEntry]{}, err
	}
	entries, err := s.Store.ListAudit(r.Context(), auditFilter(r))
	return listOf(entries), err
}

// auditSheet exports the audit log with the page's filters, newest first,
// hashes included (the chain can be checked from the sheet).
func (s *Server) auditSheet(r *http.Request) (sheet, error) {
	if err := auth.Authorize(userOf(r), auth.ActionViewAudit, ""); err != nil {
		return sheet{}, err
	}
	f := auditFilter(r)
	f.Limit = 500
	return sheet{"审计日志.xlsx", []any{"序号", "时间", "操作人编号", "操作人", "操作", "对象类型", "对象编号", "来源 IP", "摘要", "前一条哈希", "哈希"},
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
		}}, nil
}

// auditRoutes mounts the routes this file serves (see mounts).
func (s *Server) auditRoutes(m mounts) {
	m.pages.Get("/admin/audit", view(s, "audit", s.loadAuditPage))
	m.pages.Get("/admin/audit.xlsx", xlsx(s, s.auditSheet))
	m.api.Get("/audit", apiRead(s, s.listAudit))
}
