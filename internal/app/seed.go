package app

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/service"
	"grantflow/internal/store"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// DemoPassword is the password of every demo account. Demo data is for
// development and trials only: never seed a production database.
const DemoPassword = "grantflow-demo"

// DemoUser is one seeded account.
type DemoUser struct {
	domain.User
	Password string
}

// DemoUsers are one account per role (two civil-affairs accounts: city and
// district, so district scoping can be tried).
var DemoUsers = []domain.User{
	{Username: "admin", DisplayName: "平台管理员", Roles: []domain.Role{domain.RoleAdmin}, District: domain.CityLevel},
	{Username: "minzheng", DisplayName: "张敏（市民政局）", Roles: []domain.Role{domain.RoleCivilAffairs}, District: domain.CityLevel},
	{Username: "hexi", DisplayName: "李静（河西区民政局）", Roles: []domain.Role{domain.RoleCivilAffairs}, District: "河西区"},
	{Username: "caizheng", DisplayName: "王磊（市财政局）", Roles: []domain.Role{domain.RoleFinance}, District: domain.CityLevel},
	{Username: "zhuanjia", DisplayName: "赵华（评审专家）", Roles: []domain.Role{domain.RoleExpert}, District: domain.CityLevel},
	{Username: "zuzhi", DisplayName: "陈晨（河西区夕阳红社会工作服务中心）", Roles: []domain.Role{domain.RoleOrgMember}, District: "河西区"},
	{Username: "gaoxiao", DisplayName: "刘洋（天津医科大学护理学院）", Roles: []domain.Role{domain.RoleIdeaSubmitter}, District: domain.CityLevel},
	{Username: "shequ", DisplayName: "孙丽（河西区友谊路街道）", Roles: []domain.Role{domain.RoleReporter}, District: "河西区", AreaCode: demoStreet},
}

// demoCallKey is the idempotency key of the demo call: seeding the same
// database twice finds the same call instead of starting a second workflow,
// and two databases on one Temporal namespace (tests) get different calls.
// Only the database name counts: the dev stack may move to other ports.
func (a *App) demoCallKey() string {
	db := a.Config.DatabaseURL
	if u, err := url.Parse(db); err == nil {
		db = u.Path
	}
	return uuid.NewSHA1(uuid.NameSpaceURL, []byte("grantflow:demo-call:"+db)).String()
}

// Seed writes the demo accounts and one call in progress (a draft with an
// attachment and its notice). It needs a worker polling the task queue.
func (a *App) Seed(ctx context.Context) ([]DemoUser, error) {
	hash, err := auth.HashPassword(DemoPassword)
	if err != nil {
		return nil, err
	}
	if err := a.seedAreas(ctx); err != nil {
		return nil, err
	}
	demoOrg, err := a.seedOrganisation(ctx)
	if err != nil {
		return nil, err
	}
	var out []DemoUser
	byName := map[string]domain.User{}
	for _, u := range DemoUsers {
		if u.Username == demoOrgMember {
			u.OrgID = demoOrg.ID
		}
		saved, err := a.Store.UpsertUser(ctx, u, hash, domain.Actor{Name: "演示数据"})
		if err != nil {
			return nil, fmt.Errorf("seed user %s: %w", u.Username, err)
		}
		byName[u.Username] = saved
		out = append(out, DemoUser{User: saved, Password: DemoPassword})
	}
	if err := a.seedNeeds(ctx, domain.ActorOf(byName["shequ"], "")); err != nil {
		return nil, err
	}
	if err := a.seedElderly(ctx, domain.ActorOf(byName["shequ"], "")); err != nil {
		return nil, err
	}
	if err := a.seedTalents(ctx, domain.ActorOf(byName["minzheng"], "")); err != nil {
		return nil, err
	}
	ca := domain.ActorOf(byName["hexi"], "")
	if err := a.seedBiddingCall(ctx, ca, domain.ActorOf(byName["minzheng"], ""), domain.ActorOf(byName[demoOrgMember], "")); err != nil {
		return nil, fmt.Errorf("seed bidding call: %w", err)
	}
	call, err := a.Calls.CreateDraft(ctx, ca, a.demoCallKey(), domain.CallDraft{
		Title:    "河西区失能老年人家庭照护者培训（送学上门）公益创投项目",
		Brand:    domain.BrandShouZuQing,
		District: "河西区",
		Budget:   36000000,
	})
	if err != nil {
		return nil, fmt.Errorf("seed demo call: %w", err)
	}
	atts, err := a.Store.Attachments(ctx, call.ID)
	if err != nil {
		return nil, err
	}
	if len(atts) == 0 {
		if _, err := a.Calls.AttachDocument(ctx, ca, call.ID, "河西区照护者培训需求汇总.csv", []byte(demoNeeds)); err != nil {
			return nil, fmt.Errorf("seed demo attachment: %w", err)
		}
	}
	return out, nil
}

// seedBiddingCall publishes a second demo call (drafted by 河西区, published
// by the city bureau) with the demo organisation's sealed bid on it, so the
// bidding pages have something to show. Every step is keyed, so seeding
// again changes nothing.
func (a *App) seedBiddingCall(ctx context.Context, ca, publisher, bidder domain.Actor) error {
	k := func(step string) string {
		return uuid.NewSHA1(uuid.MustParse(a.demoCallKey()), []byte("bidding/"+step)).String()
	}
	call, err := a.Calls.CreateDraft(ctx, ca, k("draft"), domain.CallDraft{
		Title:    "友谊路街道居家应急救护（心肺复苏）技能培训公益创投项目",
		Brand:    domain.BrandCunCaoXin,
		District: "河西区",
		Budget:   18000000,
		Plan: domain.Plan{Mode: domain.ModeCompetition, Projects: 1,
			BidDeadline: time.Now().In(domain.ChinaTime).AddDate(0, 0, 21)},
	})
	if err != nil {
		return err
	}
	if call.Stage == domain.StageDraft {
		if err := a.Calls.Submit(ctx, ca, call.ID, k("submit")); err != nil {
			return err
		}
		if call, err = a.Store.Call(ctx, call.ID); err != nil {
			return err
		}
	}
	if call.Stage == domain.StagePublishReview {
		if err := a.Calls.ReviewPublication(ctx, publisher, call.ID, k("publish"), true, ""); err != nil {
			return err
		}
		if call, err = a.Store.Call(ctx, call.ID); err != nil {
			return err
		}
	}
	if call.Stage != domain.StageBidding || !time.Now().Before(call.BidDeadline) {
		return nil
	}
	bids, err := a.Store.OrgBids(ctx, call.ID, bidder.OrgID)
	if err != nil || len(bids) > 0 {
		return err
	}
	_, err = a.Calls.SubmitBid(ctx, bidder, call.ID, k("bid"), domain.BidContent{
		TechnicalProposal: "面向友谊路街道各社区的老年人及其家庭照护者，开展居家应急救护培训 10 期：心肺复苏与自动体外除颤器（AED）使用、海姆立克急救法、跌倒后的初步处置与呼救。每期 30 人，每名学员 8 学时，由持证急救培训师授课，考核合格者发放结业证书。",
		Budget: []domain.BudgetItem{{Item: "急救培训师劳务费", Amount: 8000000}, {Item: "模拟人与AED训练机租赁", Amount: 5000000},
			{Item: "教材与耗材", Amount: 2500000}, {Item: "组织与宣传", Amount: 1500000}},
		Price: 17000000,
		Team:  []domain.TeamMember{{Name: "陈晨", Role: "项目负责人", Qualification: "中级社会工作师"}, {Name: "韩雪", Role: "急救培训师", Qualification: "红十字会救护师资"}},
	}, []service.File{{Name: "急救培训师资证明.pdf", Data: []byte("%PDF-1.4\n% 救护师资证明（演示）\n%%EOF\n")}})
	return err
}

const demoNeeds = `社区,失能老年人数,有意愿参加培训的家庭照护者数,最需要的培训内容
友谊路街道平江里社区,46,38,转移搬运;压疮预防
友谊路街道友谊南里社区,31,22,进食与用药照护
马场街道马场道社区,52,41,失能照护基础;心肺复苏
越秀路街道越秀路社区,27,19,应急救护
`

// RoleLabel names the account's roles in Chinese.
func (u DemoUser) RoleLabel() string {
	s := ""
	for i, r := range u.Roles {
		if i > 0 {
			s += "、"
		}
		s += r.Label()
	}
	return s
}

// The demo organisation, registered by its member zuzhi and verified by
// civil affairs, so the organisation pages have something to show.
const (
	demoOrgMember = "zuzhi"
	demoOrgUSCC   = "52120103MJ0000001T"
)

func (a *App) seedOrganisation(ctx context.Context) (domain.Organisation, error) {
	org, err := a.Store.OrganisationByUSCC(ctx, demoOrgUSCC)
	if err == nil {
		return org, nil
	}
	if domain.ErrorCode(err) != domain.CodeNotFound {
		return domain.Organisation{}, err
	}
	org, _, err = a.Orgs.Register(ctx, service.Registration{
		Org: domain.OrgRegistration{
			Name: "天津市河西区夕阳红社会工作服务中心", USCC: demoOrgUSCC, Type: domain.OrgServiceOrg,
			LegalRepName: "陈晨", LegalRepID: "11010519491231002X", ContactName: "陈晨", ContactPhone: "13812345678",
			District: "河西区",
		},
		Username: demoOrgMember, DisplayName: "陈晨（河西区夕阳红社会工作服务中心）", Password: DemoPassword,
		DocName: "民办非企业单位登记证书.pdf", Doc: []byte("%PDF-1.4\n% 登记证书（演示）\n%%EOF\n"), Consent: true,
	}, "")
	if err != nil {
		return domain.Organisation{}, fmt.Errorf("seed organisation: %w", err)
	}
	reviewer, _, err := a.Store.UserByUsername(ctx, "minzheng")
	if err != nil {
		// civil affairs is seeded after: verify as the system's seed
		reviewer = domain.User{DisplayName: "演示数据"}
	}
	if err := a.Store.ReviewOrganisation(ctx, org.ID, domain.OrgVerified, "", domain.ActorOf(reviewer, "")); err != nil {
		return domain.Organisation{}, err
	}
	return org, nil
}

// Demo streets and communities under 河西区 (the districts come with the
// migrations). Their codes are for the demo only.
const demoStreet = "120103014"

var demoAreas = []domain.Area{
	{Code: demoStreet, Name: "友谊路街道", Level: domain.LevelStreet, ParentCode: "120103"},
	{Code: "120103014001", Name: "平江里社区", Level: domain.LevelCommunity, ParentCode: demoStreet},
	{Code: "120103014002", Name: "友谊南里社区", Level: domain.LevelCommunity, ParentCode: demoStreet},
}

func (a *App) seedAreas(ctx context.Context) error {
	for _, area := range demoAreas {
		if _, err := a.Store.Area(ctx, area.Code); err == nil {
			continue
		}
		if err := a.Store.AddArea(ctx, area, domain.Actor{Name: "演示数据"}); err != nil {
			return fmt.Errorf("seed area %s: %w", area.Name, err)
		}
	}
	return nil
}

// seedNeeds records a few needs in the demo communities (once) and starts
// the current quarter's reporting cycle (the schedule does it each quarter).
func (a *App) seedNeeds(ctx context.Context, reporter domain.Actor) error {
	page, err := a.Store.ListNeeds(ctx, store.NeedFilter{AreaPrefix: demoStreet, PerPage: 1})
	if err != nil {
		return err
	}
	if page.Total == 0 {
		for _, n := range []domain.NeedEntry{
			{CommunityCode: "120103014001", Category: domain.NeedCaregiverTraining, Urgency: domain.UrgencyHigh,
				Affected:    map[domain.ElderCategory]int{domain.ElderDisabled: 12, domain.ElderSeverelyDisabled: 4},
				Description: "走访发现 16 户失能老人家庭，照护者多为年迈配偶，希望学习转移搬运和压疮预防。"},
			{CommunityCode: "120103014002", Category: domain.NeedEmergencySkills, Urgency: domain.UrgencyMedium,
				Affected:    map[domain.ElderCategory]int{domain.ElderLivingAlone: 9, domain.ElderVeryOld: 6},
				Description: "独居高龄老人较多，邻里志愿者希望学习心肺复苏和跌倒后的应急处置。"},
		} {
			if _, err := a.Needs.Record(ctx, reporter, n); err != nil {
				return fmt.Errorf("seed need: %w", err)
			}
		}
	}
	return a.StartQuarterlyNeeds(ctx, domain.QuarterOf(time.Now()).String())
}

// seedTalents puts a pool of experts in the talent library (once), enough
// for a five-person panel; one worked for the demo organisation (recusal).
func (a *App) seedTalents(ctx context.Context, by domain.Actor) error {
	page, err := a.Store.ListTalents(ctx, store.TalentFilter{PerPage: 1})
	if err != nil || page.Total > 0 {
		return err
	}
	ym := func(y, m int) time.Time { return time.Date(y, time.Month(m), 1, 0, 0, 0, 0, domain.ChinaTime) }
	experts := []domain.TalentEntry{
		{Name: "赵华", Title: "主任护师", Employer: "天津市第一中心医院", Fields: []domain.ExpertField{"nursing", "elderly_care"}, Username: "zhuanjia", Phone: "13920000001"},
		{Name: "钱敏", Title: "副教授", Employer: "天津医科大学护理学院", Fields: []domain.ExpertField{"nursing"}, Phone: "13920000002"},
		{Name: "孙立新", Title: "高级社会工作师", Employer: "天津市社会工作协会", Fields: []domain.ExpertField{"social_work", "management"}, Phone: "13920000003",
			Employment: []domain.Employment{{Employer: "天津市河西区夕阳红社会工作服务中心", USCC: demoOrgUSCC, From: ym(2020, 3), To: ym(2024, 8)}}},
		{Name: "李婷", Title: "注册会计师", Employer: "天津某会计师事务所", Fields: []domain.ExpertField{"finance"}, Phone: "13920000004"},
		{Name: "周建国", Title: "律师", Employer: "天津某律师事务所", Fields: []domain.ExpertField{"law"}, Phone: "13920000005"},
		{Name: "吴静", Title: "主治医师", Employer: "河西区社区卫生服务中心", Fields: []domain.ExpertField{"medicine", "elderly_care"}, Phone: "13920000006"},
		{Name: "郑凯", Title: "心理咨询师", Employer: "天津市心理卫生协会", Fields: []domain.ExpertField{"psychology"}, Phone: "13920000007"},
	}
	for _, e := range experts {
		e.Kind, e.Level, e.District, e.Available = domain.TalentExpert, domain.LevelCity, domain.CityLevel, true
		if _, err := a.Talents.Save(ctx, by, 0, e); err != nil {
			return fmt.Errorf("seed talent %s: %w", e.Name, err)
		}
	}
	return nil
}

// seedElderly puts a few (fictitious) people on the demo street's register.
func (a *App) seedElderly(ctx context.Context, by domain.Actor) error {
	_, n, err := a.Store.ElderCounts(ctx, store.ElderFilter{AreaPrefix: demoStreet})
	if err != nil || n > 0 {
		return err
	}
	demo := []struct {
		name, id, phone, community, address string
		cats                                []domain.ElderCategory
	}{
		{"张桂兰", "11010519491231002X", "13812345678", "120103014001", "平江里 3 号楼 2 门 301", []domain.ElderCategory{domain.ElderDisabled, domain.ElderLivingAlone}},
		{"王淑珍", "120103193805120022", "", "120103014001", "平江里 5 号楼 1 门 102", []domain.ElderCategory{domain.ElderVeryOld, domain.ElderSeverelyDisabled}},
		{"刘振华", "120103195203150018", "13902223344", "120103014002", "友谊南里 8 号楼 3 门 502", []domain.ElderCategory{domain.ElderEmptyNest}},
		{"陈玉梅", "120103196004200024", "", "120103014002", "友谊南里 2 号楼 1 门 201", []domain.ElderCategory{domain.ElderHealthyYoungOld}},
	}
	var rows []store.SealedElder
	for _, d := range demo {
		check, _ := domain.IDCardCheckChar(d.id[:17])
		id := d.id[:17] + string(check)
		birth, _ := domain.BirthDateFromIDCard(id)
		e := store.SealedElder{ElderRow: domain.ElderRow{Name: d.name, CommunityCode: d.community, Categories: d.cats, Address: d.address},
			District: "河西区", BirthYear: birth.Year(), IDIndex: a.Elderly.Keys.Index(id)}
		if e.IDCard, err = a.Elderly.Keys.Seal(id); err != nil {
			return err
		}
		if e.Phone, err = a.Elderly.Keys.Seal(d.phone); err != nil {
			return err
		}
		rows = append(rows, e)
	}
	_, _, err = a.Store.ImportElderly(ctx, rows, "演示数据", by)
	return err
}
