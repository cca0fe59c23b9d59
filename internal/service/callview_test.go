package service

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"grantflow/internal/domain"
)

func actorWith(id int64, role domain.Role, district string, org int64) domain.Actor {
	return domain.ActorOf(domain.User{ID: id, Roles: []domain.Role{role}, District: district, OrgID: org}, "")
}

var (
	hexiCivil   = actorWith(1, domain.RoleCivilAffairs, "河西区", 0)
	nankaiCivil = actorWith(2, domain.RoleCivilAffairs, "南开区", 0)
	cityFinance = actorWith(3, domain.RoleFinance, domain.CityLevel, 0)
	admin       = actorWith(4, domain.RoleAdmin, domain.CityLevel, 0)
	bidderOrg   = actorWith(5, domain.RoleOrgMember, "河西区", 7)
	otherOrg    = actorWith(6, domain.RoleOrgMember, "南开区", 8)
	public      = domain.Actor{}
)

func callAt(stage domain.CallStage) domain.Call {
	c := domain.Call{ID: "c", District: "河西区", Stage: stage, Title: "草稿", Budget: 1234567, OpeningSHA256: "open", ReportSHA256: "report",
		Results: []domain.BidResult{{ScoredBid: domain.ScoredBid{OrgName: "甲", Price: 1234567}, Result: 86.41,
			Experts: []domain.ExpertTotal{{Expert: 4242424, Technical: 70, Total: 80}}}}}
	if stage != domain.StageDraft && stage != domain.StagePublishReview {
		c.PublishedAt = time.Now()
	}
	if c.Stage.Opened() {
		c.OpenedAt = time.Now()
	}
	return c
}

// TestCallSight: the one rule of what each viewer sees of a call.
func TestCallSight(t *testing.T) {
	for _, tc := range []struct {
		name    string
		by      domain.Actor
		stage   domain.CallStage
		facts   callFacts
		visible bool
		results bool
		opening bool
	}{
		{"civil affairs see their district's draft", hexiCivil, domain.StageDraft, callFacts{}, true, false, false},
		{"another district's civil affairs do not", nankaiCivil, domain.StageDraft, callFacts{}, false, false, false},
		{"finance does not see a draft", cityFinance, domain.StageDraft, callFacts{}, false, false, false},
		{"finance sees a call awaiting publication review", cityFinance, domain.StagePublishReview, callFacts{}, true, false, false},
		{"the administrator sees no draft", admin, domain.StageDraft, callFacts{}, false, false, false},
		{"an organisation sees no draft", bidderOrg, domain.StagePublishReview, callFacts{}, false, false, false},
		{"the public sees no draft", public, domain.StageDraft, callFacts{}, false, false, false},
		{"the public sees a published call, nothing of its bids", public, domain.StageBidding, callFacts{}, true, false, false},
		{"a bidder reads the opening record", bidderOrg, domain.StageQualification, callFacts{Bidder: true}, true, false, true},
		{"another organisation does not", otherOrg, domain.StageQualification, callFacts{}, true, false, false},
		{"a drawn expert reads the opening record", actorWith(9, domain.RoleExpert, domain.CityLevel, 0), domain.StagePanel, callFacts{Seat: domain.PanelDrawn}, true, false, true},
		{"officials see results during approval", hexiCivil, domain.StageCivilApproval, callFacts{}, true, true, true},
		{"finance sees results during approval", cityFinance, domain.StageFinanceApproval, callFacts{}, true, true, true},
		{"a bidder sees no result during approval", bidderOrg, domain.StageFinanceApproval, callFacts{Bidder: true}, true, false, true},
		{"the administrator sees no result during approval", admin, domain.StageCivilApproval, callFacts{}, true, false, false},
		{"an expert sees no result during approval", actorWith(9, domain.RoleExpert, domain.CityLevel, 0), domain.StageCivilApproval, callFacts{Seat: domain.PanelConfirmed}, true, false, true},
		{"another district's civil affairs see no result", nankaiCivil, domain.StageCivilApproval, callFacts{}, true, false, false},
		{"the public sees the result under publicity", public, domain.StagePublicity, callFacts{}, true, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v, s, err := viewCall(tc.by, callAt(tc.stage), tc.facts)
			if (err == nil) != tc.visible || s.Visible != tc.visible {
				t.Fatalf("visible: %v (%v), want %v", s.Visible, err, tc.visible)
			}
			if !tc.visible {
				if domain.ErrorCode(err) != domain.CodeForbidden || v.Title != "" {
					t.Fatalf("refusal: %v, view %+v", err, v)
				}
				return
			}
			if (len(v.Results) > 0) != tc.results || (v.ReportSHA256 != "") != tc.results {
				t.Errorf("results shown: %v, want %v", len(v.Results) > 0, tc.results)
			}
			if (v.OpeningSHA256 != "") != tc.opening {
				t.Errorf("opening record: %v, want %v", v.OpeningSHA256 != "", tc.opening)
			}
			b, _ := json.Marshal(v)
			if strings.Contains(string(b), `"expert"`) || strings.Contains(string(b), "4242424") {
				t.Errorf("an expert's identity in the view: %s", b)
			}
		})
	}
}

// TestObjectionAndPanelViews: objectors are masked and their contacts
// hidden for all but the officials; panel names stay hidden until publicity.
func TestObjectionAndPanelViews(t *testing.T) {
	o := domain.Objection{ID: "o", Name: "欧阳明华", Contact: "13700001234", Reason: "理由"}
	for _, by := range []domain.Actor{bidderOrg, admin, public, nankaiCivil} {
		_, s, _ := viewCall(by, callAt(domain.StagePublicity), callFacts{})
		if v := objectionView(o, s); v.Name != "欧***" || v.Contact != "" {
			t.Errorf("%v sees the objector as %q, %q", by.Roles, v.Name, v.Contact)
		}
	}
	_, s, _ := viewCall(hexiCivil, callAt(domain.StagePublicity), callFacts{})
	if v := objectionView(o, s); v.Name != o.Name || v.Contact != o.Contact {
		t.Errorf("the officials answering see %q, %q", v.Name, v.Contact)
	}
	m := domain.PanelMember{Seq: 3, Name: "赵华", UserID: 42, TalentID: 7, Status: domain.PanelConfirmed}
	_, s, _ = viewCall(hexiCivil, callAt(domain.StageCivilApproval), callFacts{})
	if p := panelSeat(m, s, false); p.Name != "专家 3" {
		t.Errorf("an official sees the panel member as %q before publicity", p.Name)
	}
	if p := panelSeat(m, s, true); p.Name != "赵华" {
		t.Errorf("the expert sees their own seat as %q", p.Name)
	}
	_, s, _ = viewCall(public, callAt(domain.StageAwarded), callFacts{})
	if p := panelSeat(m, s, false); p.Name != "赵华" {
		t.Errorf("the public sees the awarded panel as %q", p.Name)
	}
}
