package service

import (
	"context"
	"strings"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/pii"
	"grantflow/internal/store"
)

// Talents is the application service of the talent library (人才库): the
// pool panels and evaluators are drawn from. Phones are sealed at rest and
// shown masked.
type Talents struct {
	Store *store.Store
	Keys  *pii.Keyring
}

// Save creates (id 0) or updates a talent.
func (s *Talents) Save(ctx context.Context, by domain.Actor, id int64, t domain.TalentEntry) (domain.Talent, error) {
	t = t.Normalize()
	if err := auth.Authorize(by.User(), auth.ActionManageTalents, ""); err != nil {
		return domain.Talent{}, err
	}
	target := t.District
	if id != 0 {
		old, err := s.Store.Talent(ctx, id)
		if err != nil {
			return domain.Talent{}, err
		}
		// moving a talent needs the right to both districts
		if err := auth.Authorize(by.User(), auth.ActionManageTalents, districtOrCity(old.District)); err != nil {
			return domain.Talent{}, err
		}
		// the edit form shows the phone masked: an unchanged masked value
		// keeps the stored number
		if strings.Contains(t.Phone, "*") && old.Phone != "" {
			if plain, err := s.Keys.Open(old.Phone); err == nil && domain.MaskMiddle(plain) == t.Phone {
				t.Phone = plain
			}
		}
	}
	if err := t.Validate(); err != nil {
		return domain.Talent{}, err
	}
	if err := auth.Authorize(by.User(), auth.ActionManageTalents, districtOrCity(target)); err != nil {
		return domain.Talent{}, err
	}
	sealed := t
	var err error
	if sealed.Phone, err = s.Keys.Seal(t.Phone); err != nil {
		return domain.Talent{}, err
	}
	id, err = s.Store.SaveTalent(ctx, id, sealed, by)
	if err != nil {
		return domain.Talent{}, err
	}
	return s.Get(ctx, by, id)
}

// districtOrCity makes a city-level record need city-level rights: the
// policy's district scope treats an empty district as "any".
func districtOrCity(d string) string {
	if d == "" {
		return domain.CityLevel
	}
	return d
}

func (s *Talents) masked(t domain.Talent) domain.Talent {
	if t.Phone != "" {
		if plain, err := s.Keys.Open(t.Phone); err == nil {
			t.Phone = domain.MaskMiddle(plain)
		} else {
			t.Phone = "（无法解密：密钥缺失）"
		}
	}
	return t
}

// Get returns a talent, phone masked.
func (s *Talents) Get(ctx context.Context, by domain.Actor, id int64) (domain.Talent, error) {
	if err := auth.Authorize(by.User(), auth.ActionViewTalent, ""); err != nil {
		return domain.Talent{}, err
	}
	t, err := s.Store.Talent(ctx, id)
	if err != nil {
		return domain.Talent{}, err
	}
	return s.masked(t), nil
}

// List lists talents, phones masked.
func (s *Talents) List(ctx context.Context, by domain.Actor, f store.TalentFilter) (store.TalentPage, error) {
	if err := auth.Authorize(by.User(), auth.ActionListTalents, ""); err != nil {
		return store.TalentPage{}, err
	}
	p, err := s.Store.ListTalents(ctx, f)
	if err != nil {
		return store.TalentPage{}, err
	}
	for i := range p.Talents {
		p.Talents[i] = s.masked(p.Talents[i])
	}
	return p, nil
}
