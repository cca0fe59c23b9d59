package web

import (
	"net/http"

	"grantflow/internal/domain"
)

type areasPage struct {
	pageData
	Areas  []domain.Area
	Form   domain.Area
	Errors map[string]string
	Error  string
}

func (s *Server) loadAreasPage(r *http.Request) (areasPage, error) {
	areas, err := s.Areas.List(r.Context())
	if err != nil {
		return areasPage{}, err
	}
	p := s.page(r, "行政区划")
	p.Nav = "areas"
	return areasPage{pageData: p, Areas: areas}, nil
}

func (s *Server) areasPage(w http.ResponseWriter, r *http.Request) {
	data, err := s.loadAreasPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.show(w, r, http.StatusOK, "areas", data)
}

func (s *Server) addArea(w http.ResponseWriter, r *http.Request) {
	a := domain.Area{Code: r.PostFormValue("code"), Name: r.PostFormValue("name"), ParentCode: r.PostFormValue("parent_code")}
	if err := s.Areas.Add(r.Context(), actorOf(r), a); err != nil {
		if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict {
			s.fail(w, r, err)
			return
		}
		data, lerr := s.loadAreasPage(r)
		if lerr != nil {
			s.fail(w, r, lerr)
			return
		}
		data.Form, data.Error = a, domain.ErrorMessage(err)
		data.Errors = fieldsOf(err)
		s.show(w, r, status(err), "areas", data)
		return
	}
	s.redirectFlash(w, r, "/areas", "已添加“"+a.Name+"”。")
}

func (s *Server) apiAreas(w http.ResponseWriter, r *http.Request) {
	areas, err := s.Areas.List(r.Context())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": areas})
}

func (s *Server) apiAddArea(w http.ResponseWriter, r *http.Request) {
	var a domain.Area
	err := decodeJSON(r, &a)
	if err == nil {
		err = s.Areas.Add(r.Context(), actorOf(r), a)
	}
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, a)
}
