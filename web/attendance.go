package web

// Attendance of a funded project's sessions: marked on the page, imported
// from a sign-in sheet, and the delivery indicators it feeds.

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// presentInput is the trainees who attended a whole session.
type presentInput struct {
	TraineeIDs []int64 `json:"trainee_ids"`
}

func (in *presentInput) readForm(r *http.Request) error {
	in.TraineeIDs = formInts(r, "trainee")
	return nil
}

// markPresent records full attendance of a session ({sid}).
func (s *Server) markPresent(r *http.Request, in *presentInput) (awardID, error) {
	return changed(r, s.Delivery.MarkPresent(r.Context(), actorOf(r), chi.URLParam(r, "id"), idParam(r, "sid"), in.TraineeIDs))
}

func (s *Server) kpis(r *http.Request) (store.DeliveryKPIs, error) {
	return s.Delivery.KPIs(r.Context(), actorOf(r), chi.URLParam(r, "id"))
}

// attendanceImport is an imported sign-in sheet: with refused rows (none
// was imported) the API answers 422.
type attendanceImport struct {
	service.ImportResult
	award awardID
}

func (a attendanceImport) status() int {
	if len(a.Problems) > 0 {
		return http.StatusUnprocessableEntity
	}
	return 0
}

// importAttendance imports a sign-in sheet.
func (s *Server) importAttendance(r *http.Request, in *upload) (attendanceImport, error) {
	res, err := s.Delivery.ImportAttendance(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.File.Name, in.File.Data)
	return attendanceImport{res, awardID(chi.URLParam(r, "id"))}, err
}

// importRefused is an import none of whose rows was written: the page
// shows the rows to fix (projectPage.refuse).
type importRefused struct{ service.ImportResult }

func (importRefused) Error() string { return "import refused" }

// importOnPage is importAttendance as the page runs it: refused rows are
// a refusal, shown with the rows.
func (s *Server) importOnPage(r *http.Request, in *upload) (attendanceImport, error) {
	res, err := s.importAttendance(r, in)
	if err == nil && len(res.Problems) > 0 {
		return res, &domain.Error{Code: domain.CodeInvalid, Message: "签到表有错误，未导入任何记录。请按下表逐行修改后重新上传。",
			Err: importRefused{res.ImportResult}}
	}
	return res, err
}

// attendanceRoutes mounts the routes this file serves (see mounts).
func (s *Server) attendanceRoutes(m mounts) {
	m.pages.Post("/awards/{id}/sessions/{sid}/attendance", form(s, s.markPresent, func(in *presentInput, id awardID) done {
		return toDelivery[presentInput]("已登记 "+strconv.Itoa(len(in.TraineeIDs))+" 名学员全程出勤。")(in, id)
	}, projectAgain[presentInput](s, nil)))
	m.pages.Post("/awards/{id}/attendance/import", form(s, s.importOnPage, func(_ *upload, res attendanceImport) done {
		return toDelivery[upload]("已导入 "+strconv.Itoa(res.Imported)+" 条签到记录。")(nil, res.award)
	}, projectAgain[upload](s, nil)))
	m.api.Post("/awards/{id}/sessions/{sid}/attendance", apiWrite(s, http.StatusOK, andThen(s.markPresent, s.kpis)))
	m.api.Post("/awards/{id}/attendance/import", apiUpload(s, http.StatusOK, s.importAttendance))
	m.api.Get("/awards/{id}/kpis", apiRead(s, s.kpis))
}
