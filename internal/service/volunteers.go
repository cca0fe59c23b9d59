package service

import (
	"context"
	"strings"
	"time"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/report"
	"grantflow/internal/store"
)

// Volunteers is the application service of the volunteers register,
// pairing (结对) and visit logs that credit volunteer hours.
type Volunteers struct {
	Store *store.Store
	Keys  *pii.Keyring
}

func (s *Volunteers) authorize(by domain.Actor, district, area string) error {
	return auth.AuthorizeTarget(by.User(), auth.ActionVolunteers, auth.Target{District: district, AreaCode: area})
}

// Register adds a volunteer in a community of the person's scope.
func (s *Volunteers) Register(ctx context.Context, by domain.Actor, v domain.VolunteerEntry) (domain.Volunteer, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return domain.Volunteer{}, err
	}
	v.Name, v.Phone = strings.TrimSpace(v.Name), strings.ReplaceAll(strings.TrimSpace(v.Phone), " ", "")
	if err := v.Validate(time.Now()); err != nil {
		return domain.Volunteer{}, err
	}
	place, err := s.Store.PlaceOfCommunity(ctx, v.CommunityCode)
	if err != nil {
		return domain.Volunteer{}, &domain.Error{Code: domain.CodeInvalid, Message: "请选择社区。", Fields: map[string]string{"community_code": "该社区不在区划中。"}}
	}
	if err := s.authorize(by, place.District.Name, v.CommunityCode); err != nil {
		return domain.Volunteer{}, err
	}
	sealed := v
	if sealed.Phone, err = s.Keys.Seal(v.Phone); err != nil {
		return domain.Volunteer{}, err
	}
	id, err := s.Store.InsertVolunteer(ctx, sealed, place.District.Name, by)
	if err != nil {
		return domain.Volunteer{}, err
	}
	return s.Get(ctx, by, id)
}

func (s *Volunteers) masked(v domain.Volunteer) domain.Volunteer {
	if plain, err := s.Keys.Open(v.Phone); err == nil {
		v.Phone = domain.MaskMiddle(plain)
	} else {
		v.Phone = "（无法解密）"
	}
	return v
}

// Get returns a volunteer in the person's scope.
func (s *Volunteers) Get(ctx context.Context, by domain.Actor, id int64) (domain.Volunteer, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return domain.Volunteer{}, err
	}
	v, err := s.Store.Volunteer(ctx, id)
	if err != nil {
		return domain.Volunteer{}, err
	}
	if err := s.authorize(by, v.District, v.CommunityCode); err != nil {
		return domain.Volunteer{}, err
	}
	return s.masked(v), nil
}

// List lists volunteers in the person's scope, with the list's filters.
func (s *Volunteers) List(ctx context.Context, by domain.Actor, f store.VolunteerFilter) ([]domain.Volunteer, int, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, 0, err
	}
	f.District, f.AreaPrefix = "", ""
	scope(by, &f.District, &f.AreaPrefix)
	list, total, err := s.Store.Volunteers(ctx, f)
	for i := range list {
		list[i] = s.masked(list[i])
	}
	return list, total, err
}

// Detail is a volunteer with pairs and recent visits (names masked).
type Detail struct {
	Volunteer domain.Volunteer
	Pairs     []store.Pair
	Visits    []domain.Visit
}

// Detail returns a volunteer's pairs and visits.
func (s *Volunteers) Detail(ctx context.Context, by domain.Actor, id int64) (Detail, error) {
	v, err := s.Get(ctx, by, id)
	if err != nil {
		return Detail{}, err
	}
	pairs, err := s.Store.Pairs(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	for i := range pairs {
		pairs[i].ElderName = domain.MaskName(pairs[i].ElderName)
	}
	visits, err := s.Store.Visits(ctx, id, 1000)
	if err != nil {
		return Detail{}, err
	}
	for i := range visits {
		if !visits[i].AtInstitution {
			visits[i].ElderName = domain.MaskName(visits[i].ElderName)
		}
	}
	return Detail{Volunteer: v, Pairs: pairs, Visits: visits}, nil
}

// Statement renders the volunteer's hours statement PDF.
func (s *Volunteers) Statement(ctx context.Context, by domain.Actor, id int64) (Document, error) {
	d, err := s.Detail(ctx, by, id)
	if err != nil {
		return Document{}, err
	}
	place, err := s.Store.PlaceOfCommunity(ctx, d.Volunteer.CommunityCode)
	if err != nil {
		return Document{}, err
	}
	pdf, err := report.RenderHoursStatement(report.HoursStatement{Volunteer: d.Volunteer.Name, Brand: d.Volunteer.Brand,
		Community: place.Community.Name, District: place.District.Name, Visits: d.Visits, Issued: time.Now().In(domain.ChinaTime)})
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: "志愿服务时间储蓄证明-" + d.Volunteer.Name + ".pdf", ContentType: "application/pdf", Data: pdf}, nil
}

// Orgs lists the volunteer organisations of the person's scope with their
// volunteers, pairs and hours.
func (s *Volunteers) Orgs(ctx context.Context, by domain.Actor) ([]store.VolunteerOrg, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, err
	}
	district, area := "", ""
	scope(by, &district, &area)
	return s.Store.VolunteerOrgs(ctx, district, area)
}

// CunCaoXinVolunteers lists the 寸草心 volunteers of the person's scope, the
// people a team is made of.
func (s *Volunteers) CunCaoXinVolunteers(ctx context.Context, by domain.Actor) ([]domain.Volunteer, error) {
	if err := s.authorize(by, "", ""); err != nil {
		return nil, err
	}
	district, area := "", ""
	scope(by, &district, &area)
	list, err := s.Store.VolunteersOfBrand(ctx, district, area, domain.BrandCunCaoXin, 500)
	for i := range list {
		list[i] = s.masked(list[i])
	}
	return list, err
}
