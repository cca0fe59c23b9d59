package web

// The archive of a funded project: its objects, and a re-reading that
// checks every one against the manifest.

import (
	"net/http"
	"time"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/service"
	"grantflow/internal/store"
)

// verifyArchive re-reads a project's archive.
func (s *Server) verifyArchive(r *http.Request, _ *none) (service.ArchiveReport, error) {
	return s.Evaluations.Verify(r.Context(), actorOf(r), chi.URLParam(r, "id"))
}

// verifiedPage is the project page with the verification's report.
func (s *Server) verifiedPage(r *http.Request, in *none) (projectPage, error) {
	rep, err := s.verifyArchive(r, in)
	if err != nil {
		return projectPage{}, err
	}
	data, err := s.loadProjectPage(r)
	data.Eval.Verified = &rep
	return data, err
}

// archiveView is a project's archive as the API shows it.
type archiveView struct {
	ArchivedAt time.Time              `json:"archived_at"`
	Manifest   string                 `json:"manifest_sha256"`
	Objects    []store.ArchivedObject `json:"objects"`
}

func (s *Server) archive(r *http.Request) (archiveView, error) {
	p, objs, err := s.Evaluations.ArchiveObjects(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	return archiveView{p.ArchivedAt, p.ManifestSHA, listOf(objs).Items}, err
}

// archiveRoutes mounts the routes this file serves (see mounts).
func (s *Server) archiveRoutes(m mounts) {
	m.pages.Post("/awards/{id}/archive/verify", formPage(s, "project", s.verifiedPage))
	m.api.Get("/awards/{id}/archive", apiRead(s, s.archive))
	m.api.Post("/awards/{id}/archive/verify", apiWrite(s, http.StatusOK, s.verifyArchive))
}
