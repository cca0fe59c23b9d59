package web

// Evidence of a funded project's sessions: photos, sign-in sheets and
// videos, uploaded and downloaded through GrantFlow.

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/service"
)

// errEvidenceFile refuses an evidence upload without its file (or with
// one too large).
const errEvidenceFile = "没有收到文件（照片和签到表不超过 20 MB，视频不超过 60 MB），请重新选择后上传。"

// evidenceInput is an evidence upload: its kind and file.
type evidenceInput struct {
	Kind domain.EvidenceKind
	File service.File
}

func (in *evidenceInput) readForm(r *http.Request) error {
	if err := parseUpload(r, service.MaxVideoBytes, errEvidenceFile); err != nil {
		return err
	}
	in.Kind = domain.EvidenceKind(r.PostForm.Get("kind"))
	var err error
	in.File, err = formFile(r, "file", errEvidenceFile)
	return err
}

// addEvidence adds a file to a session's ({sid}) evidence.
func (s *Server) addEvidence(r *http.Request, in *evidenceInput) (domain.Evidence, error) {
	return s.Delivery.AddEvidence(r.Context(), actorOf(r), chi.URLParam(r, "id"), idParam(r, "sid"), in.Kind, in.File)
}

func (s *Server) evidenceFile(r *http.Request) (service.Document, error) {
	return s.Delivery.EvidenceFile(r.Context(), actorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "eid"))
}

func (s *Server) listEvidence(r *http.Request) (list[domain.Evidence], error) {
	es, err := s.Delivery.Evidence(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	return listOf(es), err
}

// evidenceRoutes mounts the routes this file serves (see mounts).
func (s *Server) evidenceRoutes(m mounts) {
	m.pages.Post("/awards/{id}/sessions/{sid}/evidence", form(s, s.addEvidence, func(_ *evidenceInput, e domain.Evidence) done {
		return done{To: "/awards/" + e.ProjectID, Flash: "已上传" + e.Kind.Label() + "：" + e.FileName}
	}, projectAgain[evidenceInput](s, nil)))
	m.pages.Get("/awards/{id}/evidence/{eid}", download(s, false, s.evidenceFile))
	m.api.Get("/awards/{id}/evidence", apiRead(s, s.listEvidence))
	m.api.Post("/awards/{id}/sessions/{sid}/evidence", apiUpload(s, http.StatusCreated, s.addEvidence))
	m.api.Get("/awards/{id}/evidence/{eid}", download(s, false, s.evidenceFile))
}
