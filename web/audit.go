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

// auditPage lists the audit log for admins, newest first, filtered and
// paged on the server.
func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	if err := auth.Authorize(userOf(r), auth.ActionViewAudit, ""); err != nil {
		s.fail(w, r, err)
		return
	}
	f := auditFilter(r)
	f.Limit = 50
	entries, err := s.Store.ListAudit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, "审计日志")
	p.Nav = "audit"
	data := auditPage{pageData: p, Entries: entries, Filter: f, Query: keepQuery(r.URL.Query(), "action", "object_type", "object_id", "actor_id")}
	if len(entries) == f.Limit {
		q := r.URL.Query()
		q.Set("before", strconv.FormatInt(entries[len(entries)-1].Seq, 10))
		data.Older = template.URL(q.Encode())
	}
	s.show(w, r, http.StatusOK, "audit", data)
}

func (s *Server) apiAudit(w http.ResponseWriter, r *http.Request) {
	if err := auth.Authorize(userOf(r), auth.ActionViewAudit, ""); err != nil {
		s.apiFail(w, r, err)
		return
	}
	entries, err := s.Store.ListAudit(r.Context(), auditFilter(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if entries == nil {
		entries = []domain.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": entries})
}

// auditRoutes mounts the routes this file serves (see mounts).
func (s *Server) auditRoutes(m mounts) {
	m.pages.Get("/admin/audit", s.auditPage)
	m.api.Get("/audit", s.apiAudit)
}
