package web

// Certificates of a funded project's trainees: issued once (a POST,
// through the cross-origin check), downloaded after.

import (
	"fmt"
	"net/http"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/service"
)

// issued is a certificate just issued and where the page downloads it.
type issued struct {
	service.Document
	to string
}

// issueCertificate issues a trainee's ({tid}) certificate.
func (s *Server) issueCertificate(r *http.Request, _ *none) (issued, error) {
	id, tid := chi.URLParam(r, "id"), idParam(r, "tid")
	d, err := s.Delivery.IssueCertificate(r.Context(), actorOf(r), id, tid)
	return issued{d, fmt.Sprintf("/awards/%s/trainees/%d/certificate.pdf", id, tid)}, err
}

// certificate downloads a certificate issued before; it never issues one.
func (s *Server) certificate(r *http.Request) (service.Document, error) {
	return s.Delivery.Certificate(r.Context(), actorOf(r), chi.URLParam(r, "id"), idParam(r, "tid"))
}

// certificateRoutes mounts the routes this file serves (see mounts).
func (s *Server) certificateRoutes(m mounts) {
	// The page issues, then downloads it; the API gets the PDF at once.
	m.pages.Post("/awards/{id}/trainees/{tid}/certificate", form(s, s.issueCertificate,
		func(_ *none, c issued) done { return done{To: c.to} }, nil))
	m.pages.Get("/awards/{id}/trainees/{tid}/certificate.pdf", download(s, true, s.certificate))
	m.api.Post("/awards/{id}/trainees/{tid}/certificate", download(s, true, func(r *http.Request) (service.Document, error) {
		c, err := s.issueCertificate(r, nil)
		return c.Document, err
	}))
	m.api.Get("/awards/{id}/trainees/{tid}/certificate.pdf", download(s, true, s.certificate))
}
