package web

// Monthly progress reports of a funded project, filed by the
// organisation.

import (
	"net/http"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
)

// reportInput is a monthly progress report as the form and the API send it.
type reportInput struct {
	domain.ProgressReport
}

func (in *reportInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	in.ProgressReport = domain.ProgressReport{Month: f("month"), Summary: f("summary"), Problems: f("problems")}
	return nil
}

// fileProgressReport files a month's progress report.
func (s *Server) fileProgressReport(r *http.Request, in *reportInput) (awardID, error) {
	return changed(r, s.Delivery.FileProgressReport(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.ProgressReport))
}

func (s *Server) progressReports(r *http.Request) (list[domain.ProgressReport], error) {
	rs, err := s.Delivery.ProgressReports(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	return listOf(rs), err
}

// progressReportRoutes mounts the routes this file serves (see mounts).
func (s *Server) progressReportRoutes(m mounts) {
	m.pages.Post("/awards/{id}/reports", form(s, s.fileProgressReport, toDelivery[reportInput]("月度进展报告已提交。"), projectAgain[reportInput](s, nil)))
	m.api.Get("/awards/{id}/reports", apiRead(s, s.progressReports))
	m.api.Post("/awards/{id}/reports", apiWrite(s, http.StatusOK, andThen(s.fileProgressReport, s.progressReports)))
}
