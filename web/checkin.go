package web

// The phone check-in: trainees check in to a session with its code, no
// account needed; failures are limited per address.

import (
	"net/http"
	"strconv"
	"strings"

	"grantflow/internal/domain"
	"grantflow/internal/service"
)

type checkinPage struct {
	pageData
	refusal
	Code, Trainee, Name string
	Result              *service.CheckInResult
	code                int
}

func (p checkinPage) status() int { return p.code }

func (s *Server) loadCheckinPage(r *http.Request) (checkinPage, error) {
	p := s.page(r, "培训签到")
	p.Nav = "checkin"
	return checkinPage{pageData: p, Code: r.URL.Query().Get("code")}, nil
}

// checkinInput is a check-in as the phone's form and the API send it.
type checkinInput struct {
	Code      string `json:"code"`
	TraineeID int64  `json:"trainee_id"`
	Name      string `json:"name"`
	trainee   string // the number as typed
}

func (in *checkinInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	in.Code, in.trainee, in.Name = f("code"), f("trainee"), f("name")
	in.TraineeID = traineeNumber(in.trainee)
	return nil
}

// traineeNumber reads the check-in form's trainee number; 0 when it is
// not a number or out of range (the check-in then asks for it).
func traineeNumber(v string) int64 {
	id, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return 0
	}
	return id
}

// checkIn checks in unless the address has failed too often (see
// checkinLimit; the count is kept in PostgreSQL, shared by every replica),
// and counts a failure (a wrong code, number or name).
func (s *Server) checkIn(r *http.Request, in *checkinInput) (service.CheckInResult, error) {
	limit := checkinLimit(clientIP(r))
	if _, until, err := s.Store.RateLimited(r.Context(), limit); err != nil {
		return service.CheckInResult{}, err
	} else if !until.IsZero() {
		return service.CheckInResult{}, domain.Errorf(domain.CodeTooMany, "签到失败次数过多，请于 %s 后再试，或请现场工作人员登记。",
			until.In(domain.ChinaTime).Format("15:04"))
	}
	res, err := s.Delivery.CheckIn(r.Context(), in.Code, in.TraineeID, in.Name)
	if c := domain.ErrorCode(err); c == domain.CodeInvalid || c == domain.CodeNotFound || c == domain.CodeConflict {
		if _, cerr := s.Store.CountHits(r.Context(), limit); cerr != nil {
			return service.CheckInResult{}, cerr
		}
	}
	return res, err
}

// checkInOnPage is the check-in as the phone's page answers it: the
// result, or the form again with what went wrong.
func (s *Server) checkInOnPage(r *http.Request, in *checkinInput) (checkinPage, error) {
	data := checkinPage{pageData: s.page(r, "培训签到"), Code: in.Code, Trainee: in.trainee, Name: in.Name}
	res, err := s.checkIn(r, in)
	switch c := domain.ErrorCode(err); {
	case err == nil:
		data.Result = &res
	case c == domain.CodeInvalid || c == domain.CodeNotFound || c == domain.CodeConflict || c == domain.CodeTooMany:
		data.refuse(err)
		data.code = status(err)
	default:
		return data, err
	}
	return data, nil
}

// checkinRoutes mounts the routes this file serves (see mounts).
func (s *Server) checkinRoutes(m mounts) {
	// Trainees check in on their phones with the session's code.
	m.public.Get("/checkin", view(s, "checkin", s.loadCheckinPage))
	m.public.Post("/checkin", formPage(s, "checkin", s.checkInOnPage))
	m.publicAPI.Post("/checkin", apiWrite(s, http.StatusOK, s.checkIn))
}
