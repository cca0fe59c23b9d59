package web

// 寸草心 teams paired with elderly-care institutions (pages and API).

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/service"
)

// teamFormAgain shows the volunteers page again after a refused
// institution or team form (whose fields' messages go in the banner).
func teamFormAgain[In any](s *Server) again[In] {
	return volunteersAgain(s, func(p *volunteersPage, _ *In) { p.bannerFields = true })
}

// institutionInput is an elderly-care institution as the form and the API
// send it.
type institutionInput struct {
	domain.InstitutionEntry
}

func (in *institutionInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	beds, _ := strconv.Atoi(f("beds"))
	in.InstitutionEntry = domain.InstitutionEntry{Name: f("name"), CommunityCode: f("community_code"), Address: f("address"), Beds: beds}
	return nil
}

func (s *Server) registerInstitution(r *http.Request, in *institutionInput) (newID, error) {
	id, err := s.Volunteers.RegisterInstitution(r.Context(), actorOf(r), in.InstitutionEntry)
	return newID{id}, err
}

// teamInput is a team as the form and the API send it.
type teamInput struct {
	domain.TeamEntry
}

func (in *teamInput) readForm(r *http.Request) error {
	in.TeamEntry = domain.TeamEntry{Name: r.PostForm.Get("name"), CommunityCode: r.PostForm.Get("community_code"), Members: formInts(r, "member")}
	return nil
}

func (s *Server) registerTeam(r *http.Request, in *teamInput) (newID, error) {
	id, err := s.Volunteers.RegisterTeam(r.Context(), actorOf(r), in.TeamEntry)
	return newID{id}, err
}

type teamPage struct {
	pageData
	D            service.TeamDetail
	Institutions []domain.Institution
	Kinds        []domain.VisitKind
	Now          string
	Error        string
}

func (p *teamPage) refuse(err error) { p.Error = domain.ErrorMessage(err) + fieldHint(err) }

func (s *Server) loadTeamPage(r *http.Request) (teamPage, error) {
	d, err := s.Volunteers.Team(r.Context(), actorOf(r), idParam(r, "id"))
	if err != nil {
		return teamPage{}, err
	}
	insts, err := s.Volunteers.Institutions(r.Context(), actorOf(r))
	if err != nil {
		return teamPage{}, err
	}
	p := s.page(r, d.Team.Name)
	p.Nav = "volunteers"
	return teamPage{pageData: p, D: d, Institutions: insts, Kinds: domain.VisitKinds,
		Now: time.Now().In(domain.ChinaTime).Format("2006-01-02T15:04")}, nil
}

// teamRef is the team a page form or API call changed.
type teamRef int64

// onTeam is do as the team page's form runs it: what changed is the team.
func onTeam[In, Out any](do action[In, Out]) action[In, teamRef] {
	return func(r *http.Request, in *In) (teamRef, error) {
		_, err := do(r, in)
		return teamRef(idParam(r, "id")), err
	}
}

// teamAgain shows the team page again after a refused form.
func teamAgain[In any](s *Server) again[In] {
	return showAgain[teamPage, *teamPage, In](s, "team", s.loadTeamPage, nil)
}

func toTeam[In any](flash string) func(*In, teamRef) done {
	return func(_ *In, id teamRef) done { return done{To: fmt.Sprintf("/teams/%d", id), Flash: flash} }
}

// teamPairing pairs a team with an institution.
type teamPairing struct {
	InstitutionID int64 `json:"institution_id"`
}

func (in *teamPairing) readForm(r *http.Request) error {
	in.InstitutionID, _ = strconv.ParseInt(r.PostForm.Get("institution_id"), 10, 64)
	return nil
}

func (s *Server) pairTeam(r *http.Request, in *teamPairing) (teamRef, error) {
	id := idParam(r, "id")
	return teamRef(id), s.Volunteers.PairTeam(r.Context(), actorOf(r), id, in.InstitutionID)
}

// teamVisitInput is a team's visit as the form and the API send it (the
// path names the team).
type teamVisitInput struct {
	domain.TeamVisitEntry
}

func (in *teamVisitInput) readForm(r *http.Request) error {
	f := r.PostForm.Get
	minutes, _ := strconv.Atoi(f("minutes"))
	at, _ := time.ParseInLocation("2006-01-02T15:04", f("visited_at"), domain.ChinaTime)
	in.TeamVisitEntry = domain.TeamVisitEntry{Kind: domain.VisitKind(f("kind")), VisitedAt: at, Minutes: minutes, Note: f("note"),
		Participants: formInts(r, "participant")}
	return nil
}

func (s *Server) logTeamVisit(r *http.Request, in *teamVisitInput) (newID, error) {
	v := in.TeamVisitEntry
	v.TeamID = idParam(r, "id")
	id, err := s.Volunteers.LogTeamVisit(r.Context(), actorOf(r), v)
	return newID{id}, err
}

func (s *Server) listInstitutions(r *http.Request) (list[domain.Institution], error) {
	items, err := s.Volunteers.Institutions(r.Context(), actorOf(r))
	return listOf(items), err
}

func (s *Server) listTeams(r *http.Request) (list[domain.Team], error) {
	items, err := s.Volunteers.Teams(r.Context(), actorOf(r))
	return listOf(items), err
}

// teamView is a team as the API shows it.
type teamView struct {
	Team    domain.Team        `json:"team"`
	Members []domain.Volunteer `json:"members"`
}

func (s *Server) team(r *http.Request) (teamView, error) {
	d, err := s.Volunteers.Team(r.Context(), actorOf(r), idParam(r, "id"))
	return teamView{d.Team, d.Members}, err
}

// teamRoutes mounts the routes this file serves (see mounts).
func (s *Server) teamRoutes(m mounts) {
	m.pages.Post("/institutions", form(s, s.registerInstitution, func(*institutionInput, newID) done {
		return done{To: "/volunteers#teams", Flash: "养老机构已登记。"}
	}, teamFormAgain[institutionInput](s)))
	m.pages.Post("/teams", form(s, s.registerTeam, func(_ *teamInput, id newID) done {
		return done{To: fmt.Sprintf("/teams/%d", id.ID), Flash: "服务队已登记，请与养老机构结对。"}
	}, teamFormAgain[teamInput](s)))
	m.pages.Get("/teams/{id}", view(s, "team", s.loadTeamPage))
	m.pages.Post("/teams/{id}/pairing", form(s, s.pairTeam, toTeam[teamPairing]("已与养老机构结对。"), teamAgain[teamPairing](s)))
	m.pages.Post("/teams/{id}/visits", form(s, onTeam(s.logTeamVisit),
		toTeam[teamVisitInput]("服务记录已保存，时长已计入每位参加队员的时间储蓄。"), teamAgain[teamVisitInput](s)))
	m.api.Get("/institutions", apiRead(s, s.listInstitutions))
	m.api.Post("/institutions", apiWrite(s, http.StatusCreated, s.registerInstitution))
	m.api.Get("/teams", apiRead(s, s.listTeams))
	m.api.Post("/teams", apiWrite(s, http.StatusCreated, s.registerTeam))
	m.api.Get("/teams/{id}", apiRead(s, s.team))
	m.api.Post("/teams/{id}/pairing", apiWrite(s, http.StatusOK, andThen(s.pairTeam, s.team)))
	m.api.Post("/teams/{id}/visits", apiWrite(s, http.StatusCreated, s.logTeamVisit))
}
