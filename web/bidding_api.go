package web

import (
	"encoding/base64"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"grantflow/activities"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// apiCallAction decodes a JSON request, runs do, and answers with the call
// as it now stands.
func apiCallAction[T any](s *Server, do func(r *http.Request, id, key string, req T) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		var req T
		if r.ContentLength == 0 {
			// no body: the action takes none (withdraw, submit…)
		} else if err := decodeJSON(r, &req); err != nil {
			s.apiFail(w, r, err)
			return
		}
		if err := do(r, chi.URLParam(r, "id"), r.Header.Get("Idempotency-Key"), req); err != nil {
			s.apiFail(w, r, err)
			return
		}
		s.apiGetCall(w, r)
	}
}

type decisionBody struct {
	Approve bool   `json:"approve"`
	Reason  string `json:"reason"`
}

type clarifyBody struct {
	Title    string `json:"title"`
	Body     string `json:"body"`
	Material bool   `json:"material"`
}

type qualifyBody struct {
	Decisions []activities.Qualification `json:"decisions"`
}

type declareBody struct {
	Conflict bool   `json:"conflict"`
	Reason   string `json:"reason"`
}

type scoreBody struct {
	BidID   string    `json:"bid_id"`
	Points  []float64 `json:"points"`
	Comment string    `json:"comment"`
}

type answerBody struct {
	Upheld   bool             `json:"upheld"`
	Answer   string           `json:"answer"`
	ReturnTo domain.CallStage `json:"return_to"`
}

type empty struct{}

type recusalBody struct {
	Reason string `json:"reason"`
}

type recusalDecisionBody struct {
	Upheld bool   `json:"upheld"`
	Seat   int    `json:"seat"`
	Answer string `json:"answer"`
}

func (s *Server) bidAPIHandlers() map[string]http.HandlerFunc {
	return map[string]http.HandlerFunc{
		"submit": apiCallAction(s, func(r *http.Request, id, key string, _ empty) error {
			return s.Calls.Submit(r.Context(), actorOf(r), id, key)
		}),
		"publication": apiCallAction(s, func(r *http.Request, id, key string, b decisionBody) error {
			return s.Calls.ReviewPublication(r.Context(), actorOf(r), id, key, b.Approve, b.Reason)
		}),
		"clarify": apiCallAction(s, func(r *http.Request, id, key string, b clarifyBody) error {
			return s.Calls.Clarify(r.Context(), actorOf(r), id, key, b.Title, b.Body, b.Material)
		}),
		"withdraw": apiCallAction(s, func(r *http.Request, id, key string, _ empty) error {
			return s.Calls.WithdrawBid(r.Context(), actorOf(r), id, key)
		}),
		"qualify": apiCallAction(s, func(r *http.Request, id, key string, b qualifyBody) error {
			return s.Calls.Qualify(r.Context(), actorOf(r), id, key, b.Decisions)
		}),
		"redraw": apiCallAction(s, func(r *http.Request, id, key string, _ empty) error {
			return s.Calls.RedrawPanel(r.Context(), actorOf(r), id, key)
		}),
		"declare": apiCallAction(s, func(r *http.Request, id, key string, b declareBody) error {
			return s.Calls.Declare(r.Context(), actorOf(r), id, key, b.Conflict, b.Reason)
		}),
		"score": apiCallAction(s, func(r *http.Request, id, key string, b scoreBody) error {
			return s.Calls.Score(r.Context(), actorOf(r), id, key, b.BidID, b.Points, b.Comment)
		}),
		"approve": apiCallAction(s, func(r *http.Request, id, key string, b decisionBody) error {
			return s.Calls.Approve(r.Context(), actorOf(r), id, key, b.Approve, b.Reason)
		}),
		"recusal": apiCallAction(s, func(r *http.Request, id, key string, b recusalBody) error {
			return s.Calls.RequestRecusal(r.Context(), actorOf(r), id, key, b.Reason)
		}),
		"recusal-decision": apiCallAction(s, func(r *http.Request, id, key string, b recusalDecisionBody) error {
			return s.Calls.DecideRecusal(r.Context(), actorOf(r), id, key, chi.URLParam(r, "rid"), b.Upheld, b.Seat, b.Answer)
		}),
		"answer": apiCallAction(s, func(r *http.Request, id, key string, b answerBody) error {
			return s.Calls.AnswerObjection(r.Context(), actorOf(r), id, key, chi.URLParam(r, "oid"), b.Upheld, b.Answer, b.ReturnTo)
		}),
	}
}

// bidBody is a bid as the API takes it: the content and documents in
// base64.
type bidBody struct {
	domain.BidContent
	Documents []struct {
		FileName string `json:"file_name"`
		Content  string `json:"content_base64"`
	} `json:"documents"`
}

func (s *Server) apiSubmitBid(w http.ResponseWriter, r *http.Request) {
	var b bidBody
	if err := decodeJSON(r, &b); err != nil {
		s.apiFail(w, r, err)
		return
	}
	var docs []service.File
	for _, d := range b.Documents {
		data, err := base64.StdEncoding.DecodeString(d.Content)
		if err != nil {
			s.apiFail(w, r, domain.Errorf(domain.CodeInvalid, "附件“%s”的内容不是有效的 base64 编码。", d.FileName))
			return
		}
		docs = append(docs, service.File{Name: d.FileName, Data: data})
	}
	rc, err := s.Calls.SubmitBid(r.Context(), actorOf(r), chi.URLParam(r, "id"), r.Header.Get("Idempotency-Key"), b.BidContent, docs)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, rc)
}

func (s *Server) apiMyBids(w http.ResponseWriter, r *http.Request) {
	bids, err := s.Calls.Receipts(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := make([]domain.Receipt, 0, len(bids))
	for _, b := range bids {
		out = append(out, b.Receipt())
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": bids, "receipts": out})
}

func (s *Server) apiBids(w http.ResponseWriter, r *http.Request) {
	bids, err := s.Calls.Bids(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": bids})
}

func (s *Server) bidDocument(w http.ResponseWriter, r *http.Request) {
	d, err := s.Calls.BidDocument(r.Context(), actorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "bid"), chi.URLParam(r, "part"))
	if err != nil {
		s.failAny(w, r, err)
		return
	}
	sendDocument(w, d, false)
}

// callDocument serves the opening record, the scoring report or an award
// notice.
func (s *Server) callDocument(kind string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		d, err := s.Calls.CallDocument(r.Context(), actorOf(r), chi.URLParam(r, "id"), kind, chi.URLParam(r, "aid"))
		if err != nil {
			s.failAny(w, r, err)
			return
		}
		sendDocument(w, d, true)
	}
}

func (s *Server) apiObject(w http.ResponseWriter, r *http.Request) {
	var in struct {
		domain.ObjectionInput
		ComplaintOf string `json:"complaint_of"`
	}
	if err := decodeJSON(r, &in); err != nil {
		s.apiFail(w, r, err)
		return
	}
	f, err := s.Calls.Object(r.Context(), actorOf(r), chi.URLParam(r, "id"), r.Header.Get("Idempotency-Key"), in.ObjectionInput, in.ComplaintOf, nil, clientIP(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": f.ID, "route": f.Route, "filed_at": f.FiledAt})
}

func (s *Server) apiNotices(w http.ResponseWriter, r *http.Request) {
	ns, err := s.Calls.Notices(r.Context(), actorOf(r), 50)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": ns})
}

// apiPublicCalls lists published calls for anyone.
func (s *Server) apiPublicCalls(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	res, err := s.Calls.PublicList(r.Context(), domain.CallStage(r.URL.Query().Get("stage")), page)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

func (s *Server) apiPublicCall(w http.ResponseWriter, r *http.Request) {
	d, err := s.Calls.PublicDossier(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

func (s *Server) apiCalendar(w http.ResponseWriter, r *http.Request) {
	year, _ := strconv.Atoi(chi.URLParam(r, "year"))
	c, err := s.Calls.Calendar(r.Context(), year)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, c)
}

func (s *Server) apiSetCalendar(w http.ResponseWriter, r *http.Request) {
	var days []domain.CalendarDay
	if err := decodeJSON(r, &days); err != nil {
		s.apiFail(w, r, err)
		return
	}
	year, _ := strconv.Atoi(chi.URLParam(r, "year"))
	if err := s.Calls.SetCalendar(r.Context(), actorOf(r), year, days); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiCalendar(w, r)
}

// apiPublicResults lists the published final evaluation results (no sign-in).
func (s *Server) apiPublicResults(w http.ResponseWriter, r *http.Request) {
	res, err := s.Evaluations.PublicResults(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if res == nil {
		res = []store.OrgGrade{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": res})
}

// apiPublicOCDS is a published call as an OCDS 1.1 release package (no
// sign-in).
func (s *Server) apiPublicOCDS(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	pkg, err := s.Calls.PublicOCDS(r.Context(), id, "/api/v1/public/calls/"+id+"/ocds.json")
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, pkg)
}

// biddingAPIRoutes mounts the routes this file serves (see mounts).
func (s *Server) biddingAPIRoutes(m mounts) {
	bid := s.bidAPIHandlers()
	m.pages.Get("/calls/{id}/bids/{bid}/documents/{part}", s.bidDocument)
	m.pages.Get("/calls/{id}/opening.pdf", s.callDocument("opening"))
	m.pages.Get("/calls/{id}/report.pdf", s.callDocument("report"))
	m.pages.Get("/calls/{id}/awards/{aid}/notice.pdf", s.callDocument("award"))
	m.publicAPI.Get("/public/calls", s.apiPublicCalls)
	m.publicAPI.Get("/public/results", s.apiPublicResults)
	m.publicAPI.Get("/public/calls/{id}/ocds.json", s.apiPublicOCDS)
	m.publicAPI.Get("/public/calls/{id}", s.apiPublicCall)
	m.publicAPI.Post("/public/calls/{id}/objections", s.apiObject)
	m.publicAPI.Get("/calendar/{year}", s.apiCalendar)
	m.api.Post("/calls/{id}/submit", bid["submit"])
	m.api.Post("/calls/{id}/publication", bid["publication"])
	m.api.Post("/calls/{id}/clarifications", bid["clarify"])
	m.api.Post("/calls/{id}/bids", s.apiSubmitBid)
	m.api.Get("/calls/{id}/bids", s.apiBids)
	m.api.Get("/calls/{id}/bids/mine", s.apiMyBids)
	m.api.Delete("/calls/{id}/bids/mine", bid["withdraw"])
	m.api.Get("/calls/{id}/bids/{bid}/documents/{part}", s.bidDocument)
	m.api.Post("/calls/{id}/qualification", bid["qualify"])
	m.api.Post("/calls/{id}/panel/redraw", bid["redraw"])
	m.api.Post("/calls/{id}/declaration", bid["declare"])
	m.api.Post("/calls/{id}/scores", bid["score"])
	m.api.Post("/calls/{id}/approval", bid["approve"])
	m.api.Post("/calls/{id}/objections/{oid}/answer", bid["answer"])
	m.api.Post("/calls/{id}/recusal-requests", bid["recusal"])
	m.api.Post("/calls/{id}/recusal-requests/{rid}/decision", bid["recusal-decision"])
	m.api.Get("/calls/{id}/opening.pdf", s.callDocument("opening"))
	m.api.Get("/calls/{id}/report.pdf", s.callDocument("report"))
	m.api.Get("/calls/{id}/awards/{aid}/notice.pdf", s.callDocument("award"))
	m.api.Put("/calendar/{year}", s.apiSetCalendar)
	m.api.Get("/notices", s.apiNotices)
}
