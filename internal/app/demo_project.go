package app

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"grantflow/internal/auth"
	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/internal/store"
)

// DemoProjectConfig is the configuration to seed the demo project with:
// the competition mode's bidding and publicity periods at zero, so that a
// call is bid, opened, scored, approved and awarded in about a minute. It
// is used by a short-lived App before the dev stack's own (which keeps
// the bureau's real periods) starts its worker.
func DemoProjectConfig(c config.Config) config.Config {
	c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0
	return c
}

const demoProjectTitle = "河西区失能老年人家庭照护者培训（入户指导）公益创投项目"

// SeedFundedProject takes a demo call from draft to award through the same
// services and workflows as people do — three bids, a drawn panel that
// declares and scores, two approvals — then signs the contract of the
// award and plans its first sessions, so the project pages have a project
// in delivery to show. Every step is keyed and resumes where an earlier
// run stopped; a finished project is left alone. It needs Seed first (the
// accounts, the organisation, the expert pool), an App configured with
// DemoProjectConfig and its worker polling; it takes about a minute.
func (a *App) SeedFundedProject(ctx context.Context, progress func(string)) error {
	users := map[string]domain.Actor{}
	for _, u := range []string{"hexi", "minzheng", "caizheng", demoOrgMember} {
		x, _, err := a.Store.UserByUsername(ctx, u)
		if err != nil {
			return fmt.Errorf("demo project: %s: %w (seed first)", u, err)
		}
		users[u] = domain.ActorOf(x, "")
	}
	d := &demoRun{a: a, ca: users["hexi"], minzheng: users["minzheng"], finance: users["caizheng"], org: users[demoOrgMember], progress: progress,
		key: func(step string) string {
			return uuid.NewSHA1(uuid.MustParse(a.demoCallKey()), []byte("funded/"+step)).String()
		}}
	call, err := d.publish(ctx)
	if err != nil {
		return err
	}
	if err := d.bid(ctx, call); err != nil {
		return err
	}
	if call, err = d.qualify(ctx, call.ID); err != nil {
		return err
	}
	if err := d.panel(ctx, call); err != nil {
		return err
	}
	awards, err := a.Store.Awards(ctx, call.ID)
	if err != nil || len(awards) == 0 {
		return fmt.Errorf("demo project: no award: %v", err)
	}
	return a.demoContract(ctx, awards[0].ID, d.ca, d.org, d.key, progress)
}

// demoRun is one run of SeedFundedProject: who acts, and the key of each
// step.
type demoRun struct {
	a                          *App
	ca, minzheng, finance, org domain.Actor
	key                        func(step string) string
	progress                   func(string)
}

// publish drafts the demo call and has it submitted and published, unless
// an earlier run did, and returns it as it is now.
func (d *demoRun) publish(ctx context.Context) (domain.Call, error) {
	a := d.a
	// The call's id is its draft key. Once awarded its workflow has ended,
	// and a start with the same key is refused: a run killed after the
	// award (signing the contract, planning sessions) goes on with the call
	// it finds.
	call, err := a.Store.Call(ctx, d.key("draft"))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		call, err = a.Calls.CreateDraft(ctx, d.ca, d.key("draft"), domain.CallDraft{
			Title: demoProjectTitle, Brand: domain.BrandShouZuQing, District: "河西区", Budget: 30000000,
			Plan: domain.Plan{Mode: domain.ModeCompetition, Projects: 1, BidDeadline: time.Now().Add(25 * time.Second)},
		})
	}
	if err != nil {
		return call, fmt.Errorf("demo project: draft: %w", err)
	}
	if call.Stage == domain.StageDraft {
		d.progress("a demo call: submitted and published")
		if err := a.Calls.Submit(ctx, d.ca, call.ID, d.key("submit")); err != nil {
			return call, err
		}
		if err := a.Calls.ReviewPublication(ctx, d.minzheng, call.ID, d.key("publish"), true, ""); err != nil {
			return call, err
		}
	}
	return a.Store.Call(ctx, call.ID)
}

// bid has three organisations bid while the call takes bids, and gives the
// expert pool its accounts.
func (d *demoRun) bid(ctx context.Context, call domain.Call) error {
	if call.Stage != domain.StageBidding {
		return nil
	}
	a := d.a
	d.progress("three organisations bid")
	bidders, err := a.demoBidders(ctx)
	if err != nil {
		return err
	}
	for i, b := range append([]domain.Actor{d.org}, bidders...) {
		price := []domain.Fen{26000000, 27500000, 28800000}[i]
		if _, err := a.Calls.SubmitBid(ctx, b, call.ID, d.key(fmt.Sprintf("bid-%d", i)), demoBid(price), nil); err != nil &&
			domain.ErrorCode(err) != domain.CodeConflict {
			return fmt.Errorf("demo project: bid %d: %w", i, err)
		}
	}
	return a.expertAccounts(ctx, d.minzheng)
}

// qualify waits for the opening and qualifies every bid, and returns the
// call once it is past qualification.
func (d *demoRun) qualify(ctx context.Context, callID string) (domain.Call, error) {
	a := d.a
	d.progress("bids opened at the deadline; qualification, the panel's declarations and scores")
	call, err := a.waitStage(ctx, callID, domain.StageQualification, domain.StagePanel, domain.StageScoring, domain.StageCivilApproval,
		domain.StageFinanceApproval, domain.StagePublicity, domain.StageAwarded)
	if err != nil {
		return call, err
	}
	if call.Stage == domain.StageQualification {
		bids, err := a.Calls.Bids(ctx, d.ca, call.ID)
		if err != nil {
			return call, err
		}
		var ds []domain.Qualification
		for _, b := range bids {
			ds = append(ds, domain.Qualification{BidID: b.ID, Qualified: true})
		}
		if err := a.Calls.Qualify(ctx, d.ca, call.ID, d.key("qualify"), ds); err != nil {
			return call, err
		}
	}
	return a.waitStage(ctx, call.ID, domain.StagePanel, domain.StageScoring, domain.StageCivilApproval, domain.StageFinanceApproval,
		domain.StagePublicity, domain.StageAwarded)
}

// panel has the panel declare and score until the results are in, then
// civil affairs and finance approve them; it returns once the call is
// awarded.
func (d *demoRun) panel(ctx context.Context, call domain.Call) error {
	a := d.a
	var err error
	for end := time.Now().Add(3 * time.Minute); call.Stage == domain.StagePanel || call.Stage == domain.StageScoring; {
		if time.Now().After(end) {
			return fmt.Errorf("demo project: the panel did not finish (stage %s)", call.Stage)
		}
		if err := a.panelWork(ctx, call.ID, d.org.User().OrgID, d.key); err != nil {
			return err
		}
		time.Sleep(time.Second)
		if call, err = a.Store.Call(ctx, call.ID); err != nil {
			return err
		}
	}
	if call.Stage == domain.StageCivilApproval {
		d.progress("approved by civil affairs and finance")
		if err := a.Calls.Approve(ctx, d.ca, call.ID, d.key("civil"), true, ""); err != nil {
			return err
		}
		if call, err = a.waitStage(ctx, call.ID, domain.StageFinanceApproval); err != nil {
			return err
		}
	}
	if call.Stage == domain.StageFinanceApproval {
		if err := a.Calls.Approve(ctx, d.finance, call.ID, d.key("finance"), true, ""); err != nil {
			return err
		}
	}
	_, err = a.waitStage(ctx, call.ID, domain.StageAwarded)
	return err
}

// waitStage polls the call until it reaches one of the stages (the workflow
// moves it on its own: the opening, the draw, the results).
func (a *App) waitStage(ctx context.Context, callID string, stages ...domain.CallStage) (domain.Call, error) {
	deadline := time.Now().Add(3 * time.Minute)
	for {
		c, err := a.Store.Call(ctx, callID)
		if err != nil {
			return c, err
		}
		for _, s := range stages {
			if c.Stage == s {
				return c, nil
			}
		}
		if c.Stage == domain.StageFailed || c.Stage == domain.StageCancelled || time.Now().After(deadline) {
			return c, fmt.Errorf("demo project: the call stopped at %s (waiting for %v)", c.Stage, stages)
		}
		select {
		case <-ctx.Done():
			return c, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
}

// panelWork has every drawn expert declare no conflict and every confirmed
// one score each bid (the demo organisation's best).
func (a *App) panelWork(ctx context.Context, callID string, demoOrgID int64, key func(string) string) error {
	panel, err := a.Store.PanelMembers(ctx, callID)
	if err != nil {
		return err
	}
	for _, m := range panel {
		if m.UserID == 0 {
			continue
		}
		u, err := a.Store.UserByID(ctx, m.UserID)
		if err != nil {
			return err
		}
		by := domain.ActorOf(u, "")
		switch m.Status {
		case domain.PanelDrawn:
			// Forbidden: the draw is recorded a moment before the workflow
			// has the panel; the caller comes round again.
			if err := a.Calls.Declare(ctx, by, callID, key(fmt.Sprintf("declare-%d", m.UserID)), false, ""); err != nil &&
				domain.ErrorCode(err) != domain.CodeConflict && domain.ErrorCode(err) != domain.CodeForbidden {
				return err
			}
		case domain.PanelConfirmed:
			bids, err := a.Calls.Bids(ctx, by, callID)
			if err != nil {
				if domain.ErrorCode(err) == domain.CodeConflict || domain.ErrorCode(err) == domain.CodeForbidden {
					continue // not scoring yet
				}
				return err
			}
			for _, b := range bids {
				v := 0.7 // points go in steps of 0.5
				if b.OrgID == demoOrgID {
					v = 0.9
				}
				err := a.Calls.Score(ctx, by, callID, key(fmt.Sprintf("score-%d-%s", m.UserID, b.ID)), b.ID,
					[]float64{25 * v, 25 * v, 20 * v, 10 * v, 10 * v, 0}, "方案完整，培训模块与需求契合，团队资质齐全，预算基本合理。")
				if err != nil && domain.ErrorCode(err) != domain.CodeConflict && domain.ErrorCode(err) != domain.CodeForbidden {
					return err
				}
			}
		}
	}
	return nil
}

// demoBidders registers (once) and verifies two more organisations.
func (a *App) demoBidders(ctx context.Context) ([]domain.Actor, error) {
	var out []domain.Actor
	for i, o := range []struct{ name, base, user, person, id string }{
		{"天津市南开区乐龄志愿服务协会", "51120104MJ0000022", "leling", "周敏", "12010419700305102"},
		{"天津市红桥区康养照护服务中心", "52120106MJ0000033", "kangyang", "吴刚", "12010619680712203"},
	} {
		check, _ := domain.USCCCheckChar(o.base)
		uscc := o.base + string(check)
		org, err := a.Store.OrganisationByUSCC(ctx, uscc)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			check, _ := domain.IDCardCheckChar(o.id)
			org, _, err = a.Orgs.Register(ctx, service.Registration{
				Org: domain.OrgRegistration{Name: o.name, USCC: uscc, Type: domain.OrgServiceOrg, LegalRepName: o.person,
					LegalRepID: o.id + string(check), ContactName: o.person, ContactPhone: "1381234567" + fmt.Sprint(i+1), District: "河西区"},
				Username: o.user, DisplayName: o.person + "（" + o.name + "）", Password: DemoPassword,
				DocName: "登记证书.pdf", Doc: []byte("%PDF-1.4\n% 登记证书（演示）\n%%EOF\n"), Consent: true,
			}, "")
		}
		// (also when a run was killed between the registration and the review)
		if err == nil && org.Status != domain.OrgVerified {
			err = a.Store.ReviewOrganisation(ctx, org.ID, domain.OrgVerified, "", domain.Actor{Name: "演示数据"})
		}
		if err != nil {
			return nil, fmt.Errorf("demo bidder %s: %w %v", o.name, err, domain.FieldsOf(err))
		}
		u, _, err := a.Store.UserByUsername(ctx, o.user)
		if err != nil {
			return nil, err
		}
		out = append(out, domain.ActorOf(u, ""))
	}
	return out, nil
}

// expertAccounts gives every expert of the seeded pool without an account
// one (zhuanjia2, zhuanjia3, …; the demo password), so that whoever the draw
// picks can declare and score.
func (a *App) expertAccounts(ctx context.Context, by domain.Actor) error {
	hash, err := auth.HashPassword(DemoPassword)
	if err != nil {
		return err
	}
	page, err := a.Store.ListTalents(ctx, store.TalentFilter{Kind: domain.TalentExpert, Sort: "created_asc", PerPage: 100})
	if err != nil {
		return err
	}
	// zhuanjia2, zhuanjia3, … in the pool's order, skipping the names
	// experts already have: a run killed between making an account and
	// linking it makes the same account again and links it, instead of
	// numbering the rest anew (two experts on one account).
	taken := map[string]bool{}
	for _, t := range page.Talents {
		taken[t.Username] = true
	}
	n := 1
	for _, t := range page.Talents {
		if t.Username != "" {
			continue
		}
		n++
		for taken[fmt.Sprintf("zhuanjia%d", n)] {
			n++
		}
		username := fmt.Sprintf("zhuanjia%d", n)
		if _, err := a.Store.UpsertUser(ctx, domain.User{Username: username, DisplayName: t.Name + "（评审专家）",
			Roles: []domain.Role{domain.RoleExpert}, District: domain.CityLevel}, hash, by); err != nil {
			return err
		}
		full, err := a.Store.Talent(ctx, t.ID)
		if err != nil {
			return err
		}
		full.Username = username
		if _, err := a.Store.SaveTalent(ctx, t.ID, full.TalentEntry, by); err != nil {
			return err
		}
	}
	return nil
}

func demoBid(price domain.Fen) domain.BidContent {
	return domain.BidContent{
		TechnicalProposal: "面向河西区友谊路街道失能老年人的家庭照护者，由护师和社工入户与集中授课结合，开展失能照护基础、压疮预防、转移搬运、进食与用药照护、应急救护五个模块共 12 期培训，每名学员不少于 16 学时；结业前进行实操考核，培训后三个月电话回访。",
		Budget:            []domain.BudgetItem{{Item: "讲师与护师劳务费", Amount: price / 2}, {Item: "教材、耗材与场地", Amount: price - price/2}},
		Price:             price,
		Team:              []domain.TeamMember{{Name: "陈晨", Role: "项目负责人", Qualification: "中级社会工作师"}, {Name: "韩雪", Role: "培训师", Qualification: "红十字会救护师资"}},
	}
}
