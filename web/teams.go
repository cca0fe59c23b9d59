package web

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"grantflow/internal/domain"
	"grantflow/internal/service"
)

// 寸草心 teams paired with elderly-care institutions (pages and API).

func formIDs(r *http.Request, name string) []int64 {
	var out []int64
	for _, v := range r.PostForm[name] {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil {
			out = append(out, id)
		}
	}
	return out
}

// volunteersFormError shows the volunteers page again with a form's error.
func (s *Server) volunteersFormError(w http.ResponseWriter, r *http.Request, err error) {
	if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict {
		s.fail(w, r, err)
		return
	}
	data, lerr := s.loadVolunteersPage(r)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	data.Error = domain.ErrorMessage(err) + fieldHint(err)
	s.show(w, r, status(err), "volunteers", data)
}

func (s *Server) registerInstitution(w http.ResponseWriter, r *http.Request) {
	beds, _ := strconv.Atoi(r.PostFormValue("beds"))
	e := domain.InstitutionEntry{Name: r.PostFormValue("name"), CommunityCode: r.PostFormValue("community_code"), Address: r.PostFormValue("address"), Beds: beds}
	if _, err := s.Volunteers.RegisterInstitution(r.Context(), actorOf(r), e); err != nil {
		s.volunteersFormError(w, r, err)
		return
	}
	s.redirectFlash(w, r, "/volunteers"+"#teams", "养老机构已登记。")
}

func (s *Server) registerTeam(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
		return
	}
	t := domain.TeamEntry{Name: r.PostForm.Get("name"), CommunityCode: r.PostForm.Get("community_code"), Members: formIDs(r, "member")}
	id, err := s.Volunteers.RegisterTeam(r.Context(), actorOf(r), t)
	if err != nil {
		s.volunteersFormError(w, r, err)
		return
	}
	s.redirectFlash(w, r, fmt.Sprintf("/teams/%d", id), "服务队已登记，请与养老机构结对。")
}

type teamPage struct {
	pageData
	D            service.TeamDetail
	Institutions []domain.Institution
	Kinds        []domain.VisitKind
	Now          string
	Error        string
}

func (s *Server) showTeam(w http.ResponseWriter, r *http.Request, code int, msg string) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	d, err := s.Volunteers.Team(r.Context(), actorOf(r), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	insts, err := s.Volunteers.Institutions(r.Context(), actorOf(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := s.page(r, d.Team.Name)
	p.Nav = "volunteers"
	s.show(w, r, code, "team", teamPage{pageData: p, D: d, Institutions: insts, Kinds: domain.VisitKinds,
		Now: time.Now().In(domain.ChinaTime).Format("2006-01-02T15:04"), Error: msg})
}

func (s *Server) teamPage(w http.ResponseWriter, r *http.Request) {
	s.showTeam(w, r, http.StatusOK, "")
}

func (s *Server) teamAction(visit bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, domain.Errorf(domain.CodeInvalid, "表单内容无法读取，请刷新后重试。"))
			return
		}
		id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
		var err error
		msg := "已与养老机构结对。"
		if visit {
			minutes, _ := strconv.Atoi(r.PostForm.Get("minutes"))
			at, _ := time.ParseInLocation("2006-01-02T15:04", r.PostForm.Get("visited_at"), domain.ChinaTime)
			_, err = s.Volunteers.LogTeamVisit(r.Context(), actorOf(r), domain.TeamVisitEntry{TeamID: id, Kind: domain.VisitKind(r.PostForm.Get("kind")),
				VisitedAt: at, Minutes: minutes, Note: r.PostForm.Get("note"), Participants: formIDs(r, "participant")})
			msg = "服务记录已保存，时长已计入每位参加队员的时间储蓄。"
		} else {
			inst, _ := strconv.ParseInt(r.PostForm.Get("institution_id"), 10, 64)
			err = s.Volunteers.PairTeam(r.Context(), actorOf(r), id, inst)
		}
		if err != nil {
			if c := domain.ErrorCode(err); c != domain.CodeInvalid && c != domain.CodeConflict {
				s.fail(w, r, err)
				return
			}
			s.showTeam(w, r, status(err), domain.ErrorMessage(err)+fieldHint(err))
			return
		}
		s.redirectFlash(w, r, fmt.Sprintf("/teams/%d", id), msg)
	}
}

// ---- API ----

func (s *Server) apiInstitutions(w http.ResponseWriter, r *http.Request) {
	list, err := s.Volunteers.Institutions(r.Context(), actorOf(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if list == nil {
		list = []domain.Institution{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) apiRegisterInstitution(w http.ResponseWriter, r *http.Request) {
	var e domain.InstitutionEntry
	if err := decodeJSON(r, &e); err != nil {
		s.apiFail(w, r, err)
		return
	}
	id, err := s.Volunteers.RegisterInstitution(r.Context(), actorOf(r), e)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) apiTeams(w http.ResponseWriter, r *http.Request) {
	list, err := s.Volunteers.Teams(r.Context(), actorOf(r))
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if list == nil {
		list = []domain.Team{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"items": list})
}

func (s *Server) apiRegisterTeam(w http.ResponseWriter, r *http.Request) {
	var t domain.TeamEntry
	if err := decodeJSON(r, &t); err != nil {
		s.apiFail(w, r, err)
		return
	}
	id, err := s.Volunteers.RegisterTeam(r.Context(), actorOf(r), t)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": id})
}

func (s *Server) apiTeam(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	d, err := s.Volunteers.Team(r.Context(), actorOf(r), id)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"team": d.Team, "members": d.Members})
}

func (s *Server) apiPairTeam(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var b struct {
		InstitutionID int64 `json:"institution_id"`
	}
	if err := decodeJSON(r, &b); err != nil {
		s.apiFail(w, r, err)
		return
	}
	if err := s.Volunteers.PairTeam(r.Context(), actorOf(r), id, b.InstitutionID); err != nil {
		s.apiFail(w, r, err)
		return
	}
	s.apiTeam(w, r)
}

func (s *Server) apiTeamVisit(w http.ResponseWriter, r *http.Request) {
	id, _ := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	var v domain.TeamVisitEntry
	if err := decodeJSON(r, &v); err != nil {
		s.apiFail(w, r, err)
		return
	}
	v.TeamID = id
	vid, err := s.Volunteers.LogTeamVisit(r.Context(), actorOf(r), v)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"id": vid})
}

// teamRoutes mounts the routes this file serves (see mounts).
func (s *Server) teamRoutes(m mounts) {
	m.pages.Post("/institutions", s.registerInstitution)
	m.pages.Post("/teams", s.registerTeam)
	m.pages.Get("/teams/{id}", s.teamPage)
	m.pages.Post("/teams/{id}/pairing", s.teamAction(false))
	m.pages.Post("/teams/{id}/visits", s.teamAction(true))
	m.api.Get("/institutions", s.apiInstitutions)
	m.api.Post("/institutions", s.apiRegisterInstitution)
	m.api.Get("/teams", s.apiTeams)
	m.api.Post("/teams", s.apiRegisterTeam)
	m.api.Get("/teams/{id}", s.apiTeam)
	m.api.Post("/teams/{id}/pairing", s.apiPairTeam)
	m.api.Post("/teams/{id}/visits", s.apiTeamVisit)
}
