package web

// Spot checks of a funded project's trainees by the civil-affairs side:
// a suggested sample and the outcomes recorded.

import (
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
)

// spotInput is a spot check's outcome for one trainee.
type spotInput struct {
	TraineeID int64                   `json:"trainee_id"`
	Outcome   domain.SpotCheckOutcome `json:"outcome"`
	Note      string                  `json:"note"`
}

func (in *spotInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	in.TraineeID, _ = strconv.ParseInt(f("trainee"), 10, 64)
	in.Outcome, in.Note = domain.SpotCheckOutcome(f("outcome")), f("note")
	return nil
}

// recordSpotCheck records a spot check's outcome.
func (s *Server) recordSpotCheck(r *http.Request, in *spotInput) (awardID, error) {
	return changed(r, s.Delivery.RecordSpotCheck(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.TraineeID, in.Outcome, in.Note))
}

// spotChecks is the spot checks recorded and the sample suggested next.
type spotChecks struct {
	Items     []domain.SpotCheck `json:"items"`
	Suggested []domain.Trainee   `json:"suggested"`
}

func (s *Server) spotChecks(r *http.Request) (spotChecks, error) {
	cs, err := s.Delivery.SpotChecks(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		return spotChecks{}, err
	}
	sample, err := s.Delivery.SpotSample(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	return spotChecks{listOf(cs).Items, listOf(sample).Items}, err
}

// spotCheckRoutes mounts the routes this file serves (see mounts).
func (s *Server) spotCheckRoutes(m mounts) {
	m.pages.Post("/awards/{id}/spot-checks", form(s, s.recordSpotCheck, toDelivery[spotInput]("已记录抽查结果。"), projectAgain[spotInput](s, nil)))
	m.api.Get("/awards/{id}/spot-checks", apiRead(s, s.spotChecks))
	m.api.Post("/awards/{id}/spot-checks", apiWrite(s, http.StatusOK, andThen(s.recordSpotCheck, s.spotChecks)))
}
