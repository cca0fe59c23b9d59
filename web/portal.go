package web

// The public portal, no sign-in: open calls and results under publicity
// (pages and API), a call's public dossier with the objection form, its
// OCDS release, the published evaluation results and signed contracts.

import (
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/google/uuid"

	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

type portalPage struct {
	pageData
	Open      service.PublicCallPage
	Publicity service.PublicCallPage
	Awarded   service.PublicCallPage
	Results   []store.OrgGrade
	Contracts []store.PublishedContract
	License   string // the open data's license (GRANTFLOW_OCDS_LICENSE)
}

func (s *Server) loadPortal(r *http.Request) (portalPage, error) {
	p := s.page(r, "公开信息")
	p.Nav = "public"
	data := portalPage{pageData: p, License: s.Calls.OCDS.License}
	var err error
	for _, l := range []struct {
		stage domain.CallStage
		into  *service.PublicCallPage
	}{{domain.StageBidding, &data.Open}, {domain.StagePublicity, &data.Publicity}, {domain.StageAwarded, &data.Awarded}} {
		if *l.into, err = s.Calls.PublicList(r.Context(), l.stage, 1); err != nil {
			return portalPage{}, err
		}
	}
	if data.Results, err = s.Evaluations.PublicResults(r.Context()); err != nil {
		return portalPage{}, err
	}
	data.Contracts, err = s.Evaluations.PublishedContracts(r.Context())
	return data, err
}

type portalCallPage struct {
	pageData
	refusal
	D    service.PublicDossier
	Key  string
	Form domain.ObjectionInput
}

func (s *Server) loadPortalCall(r *http.Request) (portalCallPage, error) {
	d, err := s.Calls.PublicDossier(r.Context(), chi.URLParam(r, "id"))
	if err != nil {
		return portalCallPage{}, err
	}
	p := s.page(r, d.Call.Title)
	p.Nav = "public"
	return portalCallPage{pageData: p, D: d, Key: uuid.NewString()}, nil
}

// objectionInput is what someone files on a result under publicity: an
// objection, a complaint about the answer to one (complaint_of) or a
// public comment; the form may attach a file, the API does not.
type objectionInput struct {
	domain.ObjectionInput
	ComplaintOf string `json:"complaint_of"`
	att         *service.File
	call        string // the call the form was sent to
}

func (in *objectionInput) readForm(r *http.Request) error {
	in.call = chi.URLParam(r, "id")
	r.Body = http.MaxBytesReader(nil, r.Body, service.MaxAttachmentBytes+1<<20)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		return domain.Errorf(domain.CodeInvalid, "提交的内容过大或无法读取（附件不超过 20 MB）。")
	}
	f := r.PostForm
	in.ObjectionInput = domain.ObjectionInput{Name: f.Get("name"), Contact: f.Get("contact"), Reason: f.Get("reason")}
	in.ComplaintOf = f.Get("complaint_of")
	fhs := r.MultipartForm.File["attachment"]
	if len(fhs) == 0 || fhs[0].Size == 0 {
		return nil
	}
	file, err := fhs[0].Open()
	if err != nil {
		return err
	}
	defer file.Close()
	data, err := io.ReadAll(io.LimitReader(file, service.MaxAttachmentBytes+1))
	in.att = &service.File{Name: fhs[0].Filename, Data: data}
	return err
}

// filed is what was filed, as the API answers it.
type filed struct {
	ID      string                `json:"id"`
	Route   domain.ObjectionRoute `json:"route"`
	FiledAt time.Time             `json:"filed_at"`
}

func (s *Server) object(r *http.Request, in *objectionInput) (filed, error) {
	f, err := s.Calls.Object(r.Context(), actorOf(r), chi.URLParam(r, "id"), requestKey(r), in.ObjectionInput, in.ComplaintOf, in.att, clientIP(r))
	return filed{ID: f.ID, Route: f.Route, FiledAt: f.FiledAt}, err
}

func objected(in *objectionInput, f filed) done {
	msg := "质疑已受理。答复将在本页公开，并按您留下的联系方式送达；答复前暂停定标。"
	if !f.Route.HoldsAward() {
		msg = "您的意见已收到，民政部门将按您留下的联系方式答复。只有参加本次投标的供应商登录后提出的质疑暂停定标（政府采购法 §52）。"
	}
	return done{To: "/public/calls/" + in.call, Flash: msg}
}

// publicCalls lists published calls for anyone.
func (s *Server) publicCalls(r *http.Request) (service.PublicCallPage, error) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	return s.Calls.PublicList(r.Context(), domain.CallStage(r.URL.Query().Get("stage")), page)
}

func (s *Server) publicCall(r *http.Request) (service.PublicDossier, error) {
	return s.Calls.PublicDossier(r.Context(), chi.URLParam(r, "id"))
}

// publicOCDS is a published call as an OCDS 1.1 release package.
func (s *Server) publicOCDS(r *http.Request) (domain.OCDSPackage, error) {
	id := chi.URLParam(r, "id")
	return s.Calls.PublicOCDS(r.Context(), id, "/api/v1/public/calls/"+id+"/ocds.json")
}

// publicResults lists the published final evaluation results.
func (s *Server) publicResults(r *http.Request) (list[store.OrgGrade], error) {
	res, err := s.Evaluations.PublicResults(r.Context())
	return listOf(res), err
}

// publicContract is a signed contract's PDF.
func (s *Server) publicContract(r *http.Request) (service.Document, error) {
	return s.Evaluations.PublicContract(r.Context(), chi.URLParam(r, "id"))
}

// portalRoutes mounts the routes this file serves (see mounts).
func (s *Server) portalRoutes(m mounts) {
	m.public.Get("/public", view(s, "portal", s.loadPortal))
	m.public.Get("/public/calls/{id}", view(s, "portal_call", s.loadPortalCall))
	m.public.Post("/public/calls/{id}/objections", form(s, s.object, objected,
		showAgain(s, "portal_call", s.loadPortalCall, func(p *portalCallPage, in *objectionInput) { p.Form = in.ObjectionInput })))
	m.public.Get("/public/contracts/{id}.pdf", download(s, true, s.publicContract))
	m.publicAPI.Get("/public/contracts/{id}.pdf", download(s, true, s.publicContract))
	m.publicAPI.Get("/public/calls", apiRead(s, s.publicCalls))
	m.publicAPI.Get("/public/results", apiRead(s, s.publicResults))
	m.publicAPI.Get("/public/calls/{id}/ocds.json", apiRead(s, s.publicOCDS))
	m.publicAPI.Get("/public/calls/{id}", apiRead(s, s.publicCall))
	m.publicAPI.Post("/public/calls/{id}/objections", apiWrite(s, http.StatusCreated, s.object))
}
