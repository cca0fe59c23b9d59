package web

// A call's own documents made by GrantFlow: the opening record, the
// scoring report and the award notices (PDF).

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/service"
)

// callDocument is the call's document of kind: "opening", "report" or
// "award" (the award in the URL).
func (s *Server) callDocument(kind string) func(r *http.Request) (service.Document, error) {
	return func(r *http.Request) (service.Document, error) {
		return s.Calls.CallDocument(r.Context(), actorOf(r), chi.URLParam(r, "id"), kind, chi.URLParam(r, "aid"))
	}
}

// callDocumentRoutes mounts the routes this file serves (see mounts).
func (s *Server) callDocumentRoutes(m mounts) {
	for _, d := range []struct{ path, kind string }{
		{"/calls/{id}/opening.pdf", "opening"},
		{"/calls/{id}/report.pdf", "report"},
		{"/calls/{id}/awards/{aid}/notice.pdf", "award"},
	} {
		m.pages.Get(d.path, download(s, true, s.callDocument(d.kind)))
		m.api.Get(d.path, download(s, true, s.callDocument(d.kind)))
	}
}
