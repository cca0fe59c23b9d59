package chaos

import (
	"context"
	"fmt"

	"grantflow/internal/app"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/service"
)

// setup gives the seeded demo data what the lifecycles need beside it (before
// any fault): two more verified organisations to bid (org2, org3) and six
// more experts with accounts (expert1…expert6), so every panel of five and
// every three evaluators can be drawn from seven. It returns every account's
// password and the bidders' organisations.
func (r *round) setup(ctx context.Context) (map[string]string, map[string]int64, error) {
	a, err := r.openApp(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer a.Close()
	by := domain.Actor{Name: "耐久性检验"}
	for i, o := range []struct{ user, name, base, person, id string }{
		{"org2", "南开区乐龄志愿服务协会", "52120104MJ000002", "周敏", "12010419700305102"},
		{"org3", "红桥区康养照护服务中心", "52120105MJ000003", "吴刚", "12010619680712203"},
	} {
		c, _ := domain.USCCCheckChar(o.base + fmt.Sprint(i+2))
		uscc := o.base + fmt.Sprint(i+2) + string(c)
		idc, _ := domain.IDCardCheckChar(o.id)
		org, _, err := a.Orgs.Register(ctx, service.Registration{
			Org: domain.OrgRegistration{Name: o.name, USCC: uscc, Type: domain.OrgServiceOrg, LegalRepName: o.person,
				LegalRepID: o.id + string(idc), ContactName: o.person, ContactPhone: fmt.Sprintf("1381234567%d", i+1), District: "河西区"},
			Username: o.user, DisplayName: o.person + "（" + o.name + "）", Password: app.DemoPassword,
			DocName: "登记证书.pdf", Doc: pdfDoc, Consent: true,
		}, "")
		if err != nil {
			return nil, nil, fmt.Errorf("register %s: %w %v", o.user, err, domain.FieldsOf(err))
		}
		if err := a.Store.ReviewOrganisation(ctx, org.ID, domain.OrgVerified, "", by); err != nil {
			return nil, nil, err
		}
	}
	hash, err := auth.HashPassword(app.DemoPassword)
	if err != nil {
		return nil, nil, err
	}
	for i := 1; i <= 6; i++ {
		username := fmt.Sprintf("expert%d", i)
		if _, err := a.Store.UpsertUser(ctx, domain.User{Username: username, DisplayName: fmt.Sprintf("评审专家%d", i),
			Roles: []domain.Role{domain.RoleExpert}, District: domain.CityLevel}, hash, by); err != nil {
			return nil, nil, err
		}
		if _, err := a.Store.SaveTalent(ctx, 0, domain.TalentEntry{Kind: domain.TalentExpert, Name: fmt.Sprintf("专家%c", '甲'+rune(i)),
			Level: domain.LevelCity, District: domain.CityLevel, Fields: []domain.ExpertField{"elderly_care"}, Available: true, Username: username}, by); err != nil {
			return nil, nil, err
		}
	}
	passwords := map[string]string{}
	for _, u := range append(append([]string{"hexi", "minzheng", "caizheng"}, bidders...), experts...) {
		passwords[u] = app.DemoPassword
	}
	orgs := map[string]int64{}
	for _, u := range bidders {
		usr, _, err := a.Store.UserByUsername(ctx, u)
		if err != nil {
			return nil, nil, err
		}
		orgs[u] = usr.OrgID
	}
	return passwords, orgs, nil
}
