package web

// Training sessions of a funded project: planned by the organisation,
// listed and exported with their attendance.

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
)

// sessionInput is a planned session as the form and the API send it.
type sessionInput struct {
	keyed
	domain.TrainingSession
}

func (in *sessionInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	hours, _ := strconv.ParseFloat(strings.TrimSpace(f("hours")), 64)
	in.Key = f("key")
	in.TrainingSession = domain.TrainingSession{Module: f("module"), StartsAt: parseLocal(f("starts_at")),
		EndsAt: parseLocal(f("ends_at")), Place: f("place"), Trainer: f("trainer"), Hours: hours}
	return nil
}

// planSession plans a training session.
func (s *Server) planSession(r *http.Request, in *sessionInput) (newID, error) {
	id, err := s.Delivery.PlanSessionKeyed(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.key(r), in.TrainingSession)
	return newID{id}, err
}

func (s *Server) listSessions(r *http.Request) (list[domain.TrainingSession], error) {
	ss, err := s.Delivery.Sessions(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	return listOf(ss), err
}

// sessionsSheet exports a project's training sessions with attendance
// (not their check-in codes).
func (s *Server) sessionsSheet(r *http.Request) (sheet, error) {
	ss, err := s.Delivery.Sessions(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	out := make([][]any, len(ss))
	for i, x := range ss {
		out[i] = []any{x.ID, cst(x.StartsAt), cst(x.EndsAt), x.Module, x.Place, x.Trainer, x.Hours, x.Attended}
	}
	return sheet{"培训场次.xlsx", []any{"场次编号", "开始", "结束", "模块", "地点", "授课人", "学时", "出勤人数"}, oneSheet(out)}, err
}

// trainingSessionRoutes mounts the routes this file serves (see mounts).
func (s *Server) trainingSessionRoutes(m mounts) {
	m.pages.Post("/awards/{id}/sessions", form(s, onAward(s.planSession),
		toDelivery[sessionInput]("已登记培训场次。"), projectAgain[sessionInput](s, nil)))
	m.pages.Get("/awards/{id}/sessions.xlsx", xlsx(s, s.sessionsSheet))
	m.api.Get("/awards/{id}/sessions", apiRead(s, s.listSessions))
	m.api.Post("/awards/{id}/sessions", apiWrite(s, http.StatusCreated, s.planSession))
}
