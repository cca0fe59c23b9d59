package web

import (
	"net/http"

	"grantflow/internal/domain"
)

// areaInput is an administrative area as the form and the API send it.
type areaInput struct {
	domain.Area
}

func (in *areaInput) readForm(r *http.Request) error {
	f := r.PostForm
	in.Area = domain.Area{Code: f.Get("code"), Name: f.Get("name"), ParentCode: f.Get("parent_code")}
	return nil
}

type areasPage struct {
	pageData
	refusal
	Areas []domain.Area
	Form  domain.Area
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

// addArea adds an area below its parent.
func (s *Server) addArea(r *http.Request, in *areaInput) (domain.Area, error) {
	return s.Areas.Add(r.Context(), actorOf(r), in.Area)
}

func (s *Server) listAreas(r *http.Request) (list[domain.Area], error) {
	areas, err := s.Areas.List(r.Context())
	return listOf(areas), err
}

// areaRoutes mounts the routes this file serves (see mounts).
func (s *Server) areaRoutes(m mounts) {
	m.pages.Get("/areas", view(s, "areas", s.loadAreasPage))
	m.pages.Post("/areas", form(s, s.addArea,
		func(_ *areaInput, a domain.Area) done {
			return done{To: "/areas", Flash: "已添加“" + a.Name + "”。"}
		},
		showAgain(s, "areas", s.loadAreasPage, func(p *areasPage, in *areaInput) { p.Form = in.Area })))
	m.api.Get("/areas", apiRead(s, s.listAreas))
	m.api.Post("/areas", apiWrite(s, http.StatusCreated, s.addArea))
}
