package web

// Calls: the list, one call for the API, its attachments and notice, and
// cancelling it. The call page is call_page.go, drafting call_new.go, the
// updates of its stages call_actions.go.

import (
	"html/template"
	"net/http"
	"strconv"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

type callsPage struct {
	pageData
	Page      service.CallPage
	Filter    store.CallFilter
	Stages    []domain.CallStage
	Districts []string
	Query     template.URL // filter and sort as query string, without page
	Filters   template.URL // filter alone (for the sort links)
}

func (s *Server) loadCalls(r *http.Request) (callsPage, error) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	f := store.CallFilter{
		Stage: domain.CallStage(q.Get("stage")), District: q.Get("district"),
		Search: q.Get("q"), Page: page, PerPage: 20, Sort: q.Get("sort"),
	}
	res, err := s.Calls.List(r.Context(), actorOf(r), f)
	if err != nil {
		return callsPage{}, err
	}
	p := s.page(r, "征集/招标")
	p.Nav = "calls"
	return callsPage{
		pageData: p, Page: res, Filter: f,
		Stages:    domain.CallStages,
		Districts: append([]string{domain.CityLevel}, domain.TianjinDistricts...),
		Query:     keepQuery(q, "stage", "district", "q", "sort"),
		Filters:   keepQuery(q, "stage", "district", "q"),
	}, nil
}

// listCalls is a page of the calls the caller may see (the API's filter
// takes per_page and no sort).
func (s *Server) listCalls(r *http.Request) (service.CallPage, error) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	perPage, _ := strconv.Atoi(q.Get("per_page"))
	return s.Calls.List(r.Context(), actorOf(r), store.CallFilter{
		Stage: domain.CallStage(q.Get("stage")), District: q.Get("district"), Search: q.Get("q"),
		Page: page, PerPage: perPage,
	})
}

// The API never shows where documents are stored: downloads go through
// GrantFlow, which checks the role and the checksum. Calls are shown only
// through the read model (service.CallView), never as domain values.
func publicAttachment(a domain.Attachment) domain.Attachment {
	a.ObjectKey, a.VersionID = "", ""
	return a
}

// apiCall is a call as the API shows it: the record and, flattened beside
// it, what the caller may see of its bidding at this stage (service.Dossier).
type apiCall struct {
	service.CallView
	Attachments []domain.Attachment `json:"attachments"`
	service.DossierParts
}

// callOf is the call id as the API shows the call.
func (s *Server) callOf(r *http.Request, id string) (apiCall, error) {
	d, atts, err := s.dossierOf(r, id)
	if err != nil {
		return apiCall{}, err
	}
	out := apiCall{CallView: d.Call, Attachments: make([]domain.Attachment, len(atts)), DossierParts: d.DossierParts}
	for i, a := range atts {
		out.Attachments[i] = publicAttachment(a)
	}
	return out, nil
}

// dossierOf is what the caller may see of a call and its attachments.
func (s *Server) dossierOf(r *http.Request, id string) (service.Dossier, []domain.Attachment, error) {
	d, err := s.Calls.Dossier(r.Context(), actorOf(r), id)
	if err != nil {
		return service.Dossier{}, nil, err
	}
	atts, err := s.Calls.Attachments(r.Context(), actorOf(r), id)
	return d, atts, err
}

func (s *Server) getCall(r *http.Request) (apiCall, error) { return s.callOf(r, chi.URLParam(r, "id")) }

// uploadInput is the one file of an upload form.
type uploadInput struct {
	Name string
	Data []byte
	call string // the call it is sent to (the page's redirect)
}

func (in *uploadInput) readForm(r *http.Request) (err error) {
	in.call = chi.URLParam(r, "id")
	in.Name, in.Data, err = readUpload(nil, r)
	return err
}

// attach adds a document to a draft call (its notice is made again).
func (s *Server) attach(r *http.Request, in *uploadInput) (domain.Attachment, error) {
	a, err := s.Calls.AttachDocument(r.Context(), actorOf(r), chi.URLParam(r, "id"), in.Name, in.Data)
	return publicAttachment(a), err
}

// reasonInput is the reason given for a step (cancelling a call, asking
// that an expert step aside).
type reasonInput struct {
	Reason string `json:"reason"`
}

func (in *reasonInput) readForm(r *http.Request) error {
	in.Reason = r.PostForm.Get("reason")
	return nil
}

func (s *Server) cancelCall(r *http.Request, in *reasonInput) (callRef, error) {
	id := chi.URLParam(r, "id")
	return callRef(id), s.Calls.Cancel(r.Context(), actorOf(r), id, in.Reason)
}

func (s *Server) notice(r *http.Request) (service.Document, error) {
	return s.Calls.Notice(r.Context(), actorOf(r), chi.URLParam(r, "id"))
}

func (s *Server) attachment(r *http.Request) (service.Document, error) {
	return s.Calls.Attachment(r.Context(), actorOf(r), chi.URLParam(r, "id"), chi.URLParam(r, "aid"))
}

// callRoutes mounts the routes this file serves (see mounts).
func (s *Server) callRoutes(m mounts) {
	m.pages.Get("/calls", view(s, "calls", s.loadCalls))
	m.api.Get("/calls", apiRead(s, s.listCalls))
	m.api.Get("/calls/{id}", apiRead(s, s.getCall))
	m.pages.Post("/calls/{id}/attachments", form(s, s.attach,
		func(in *uploadInput, _ domain.Attachment) done {
			return done{To: "/calls/" + in.call, Flash: "已上传附件《" + in.Name + "》，征集公告将随之更新。"}
		}, callAgain[uploadInput](s)))
	m.api.Post("/calls/{id}/attachments", apiUpload(s, http.StatusCreated, s.attach))
	callUpdate(s, m, "/calls/{id}/cancel", "POST /calls/{id}/cancel", s.cancelCall, say[reasonInput]("征集已撤销。"))
	m.pages.Get("/calls/{id}/notice.pdf", download(s, true, s.notice))
	m.api.Get("/calls/{id}/notice.pdf", download(s, false, s.notice))
	m.pages.Get("/calls/{id}/attachments/{aid}", download(s, false, s.attachment))
	m.api.Get("/calls/{id}/attachments/{aid}/content", download(s, false, s.attachment))
}
