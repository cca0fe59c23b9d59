package web

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// The API never shows where documents are stored: downloads go through
// GrantFlow, which checks the role and the checksum. Calls are shown only
// through the read model (service.CallView), never as domain values.
func publicAttachment(a domain.Attachment) domain.Attachment {
	a.ObjectKey, a.VersionID = "", ""
	return a
}

func (s *Server) apiListCalls(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	res, err := s.Calls.List(r.Context(), actorOf(r), store.CallFilter{
		Stage: domain.CallStage(q.Get("stage")), District: q.Get("district"), Search: q.Get("q"),
		Page: page, PerPage: perPage,
	})
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// explicitProjects refuses a draft that names fewer than one project to
// fund: the API description says projects is at least 1 and only an omitted
// projects means 1 (the plan's defaults would store an explicit 0 as 1).
func explicitProjects(body []byte) error {
	var p struct {
		Projects *int `json:"projects"`
	}
	if json.Unmarshal(body, &p) == nil && p.Projects != nil && *p.Projects < 1 {
		return fieldError("projects", "应在 1 至 100 之间（不填则为 1）。")
	}
	return nil
}

func (s *Server) apiCreateCall(w http.ResponseWriter, r *http.Request) {
	var d domain.CallDraft
	var raw bytes.Buffer
	r.Body = io.NopCloser(io.TeeReader(r.Body, &raw))
	err := decodeJSON(r, &d)
	if err == nil {
		err = explicitProjects(raw.Bytes())
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	c, err := s.Calls.CreateDraft(r.Context(), actorOf(r), r.Header.Get("Idempotency-Key"), d)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	v, err := s.Calls.View(r.Context(), actorOf(r), c.ID)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/calls/"+c.ID)
	writeJSON(w, http.StatusCreated, v)
}

// apiCall is a call as the API shows it: the record and, flattened beside
// it, what the caller may see of its bidding at this stage (service.Dossier).
type apiCall struct {
	service.CallView
	Attachments []domain.Attachment `json:"attachments"`
	service.DossierParts
}

func (s *Server) apiGetCall(w http.ResponseWriter, r *http.Request) {
	id := chi.URLParam(r, "id")
	d, err := s.Calls.Dossier(r.Context(), actorOf(r), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	atts, err := s.Calls.Attachments(r.Context(), actorOf(r), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := apiCall{CallView: d.Call, Attachments: make([]domain.Attachment, len(atts)), DossierParts: d.DossierParts}
	for i, a := range atts {
		out.Attachments[i] = publicAttachment(a)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) apiUploadAttachment(w http.ResponseWriter, r *http.Request) {
	name, data, err := readUpload(w, r)
	if err == nil {
		var a domain.Attachment
		a, err = s.Calls.AttachDocument(r.Context(), actorOf(r), chi.URLParam(r, "id"), name, data)
		if err == nil {
			writeJSON(w, http.StatusCreated, publicAttachment(a))
			return
		}
	}
	s.apiFail(w, r, err)
}

func (s *Server) apiDownloadAttachment(w http.ResponseWriter, r *http.Request) {
	d, err := s.Calls.Attachment(r.Context(), actorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "aid"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	sendDocument(w, d, false)
}

func (s *Server) apiDownloadNotice(w http.ResponseWriter, r *http.Request) {
	d, err := s.Calls.Notice(r.Context(), actorOf(r), chi.URLParam(r, "id"))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	sendDocument(w, d, false)
}

type cancelRequest struct {
	Reason string `json:"reason"`
}

func (s *Server) apiCancelCall(w http.ResponseWriter, r *http.Request) {
	var req cancelRequest
	if err := decodeJSON(r, &req); err != nil {
		s.apiFail(w, r, err)
		return
	}
	id := chi.URLParam(r, "id")
	if err := s.Calls.Cancel(r.Context(), actorOf(r), id, req.Reason); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiGetCall(w, r)
}

// callAPIRoutes mounts the routes this file serves (see mounts).
func (s *Server) callAPIRoutes(m mounts) {
	m.api.Get("/calls", s.apiListCalls)
	m.api.Post("/calls", s.apiCreateCall)
	m.api.Get("/calls/{id}", s.apiGetCall)
	m.api.Post("/calls/{id}/attachments", s.apiUploadAttachment)
	m.api.Get("/calls/{id}/attachments/{aid}/content", s.apiDownloadAttachment)
	m.api.Get("/calls/{id}/notice.pdf", s.apiDownloadNotice)
	m.api.Post("/calls/{id}/cancel", s.apiCancelCall)
}
