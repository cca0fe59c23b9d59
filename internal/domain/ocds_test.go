package domain_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "grantflow/internal/domain"
	"grantflow/internal/ocdscheck"
)

// ocdsWorld is one call at every stage it can be in, as the public
// package shows it.
type ocdsStage struct {
	name  string
	call  Call
	orgs  []OCDSOrg
	prjs  []OCDSProject
	clars []Clarification
}

func ocdsWorld() []ocdsStage {
	at := time.Date(2026, 9, 1, 1, 30, 0, 0, time.UTC) // stored in UTC
	published := Call{Number: "ZJ2026-000001", Title: "照护者培训", Budget: 300000_00, Stage: StageBidding, PublishedAt: at,
		BidDeadline: at.AddDate(0, 0, 20), UpdatedAt: at, Plan: Plan{Mode: ModeCompetition}}
	opened := published
	opened.Stage, opened.OpenedAt = StagePublicity, at.AddDate(0, 0, 20)
	cancelled := published
	cancelled.Stage, cancelled.UpdatedAt = StageCancelled, at.AddDate(0, 0, 3)
	failed := opened
	failed.Stage, failed.UpdatedAt, failed.Plan.Mode = StageFailed, at.AddDate(0, 0, 20), ModeConsultation
	awarded := opened
	awarded.Stage, awarded.AwardedAt = StageAwarded, at.AddDate(0, 1, 0)
	orgs := []OCDSOrg{{OrgID: 7, Name: "夕阳红社工中心", USCC: "91350100M000100Y43"}, {OrgID: 9, Name: "河西区乐龄服务社", USCC: "52120103MJ0000001T"},
		{OrgID: 11, Name: "友邻互助会"}}
	award := Award{ID: "a1", OrgID: 7, OrgName: "夕阳红社工中心", Amount: 260000_00, CreatedAt: awarded.AwardedAt}
	terms := ContractTerms{StartsOn: at.AddDate(0, 2, 0), TermMonths: 12}
	unsigned := Project{Number: "XM2026-000001", Title: "照护者培训", OrgID: 7, OrgName: "夕阳红社工中心", Amount: 260000_00, Stage: ProjectContracting}
	signed := unsigned
	signed.Stage, signed.SignedAt, signed.Terms = ProjectDelivery, at.AddDate(0, 1, 10), &terms
	paid := []TrancheState{{Index: 0, Amount: 78000_00, PaidAt: at.AddDate(0, 1, 20)}, {Index: 1, Amount: 104000_00}}
	terminated := signed
	terminated.Stage, terminated.TerminatedAt = ProjectTerminated, at.AddDate(0, 4, 0)
	archived := signed
	archived.Stage, archived.ArchivedAt = ProjectArchived, at.AddDate(1, 2, 0)
	// Clarified: one that explains, one that amends the documents, one
	// that amends them and moves the deadline by three days.
	clars, moved := ocdsClarifications(at)
	amended := published
	amended.BidDeadline = moved
	amendedCancelled := amended
	amendedCancelled.Stage, amendedCancelled.UpdatedAt = StageCancelled, at.AddDate(0, 0, 12)
	amendedAwarded := awarded
	amendedAwarded.BidDeadline, amendedAwarded.OpenedAt = moved, moved
	return []ocdsStage{
		{"published", published, orgs, nil, nil},
		{"opened, in publicity", opened, orgs, nil, nil},
		{"cancelled", cancelled, nil, nil, nil},
		{"failed", failed, orgs, nil, nil},
		{"awarded", awarded, orgs, []OCDSProject{{Award: award, Project: &unsigned}}, nil},
		{"contract signed", awarded, orgs, []OCDSProject{{Award: award, Project: &signed}}, nil},
		{"paid", awarded, orgs, []OCDSProject{{Award: award, Project: &signed, Tranches: paid}}, nil},
		{"terminated", awarded, orgs, []OCDSProject{{Award: award, Project: &terminated, Tranches: paid}}, nil},
		{"completed", awarded, orgs, []OCDSProject{{Award: award, Project: &archived, Tranches: paid}}, nil},
		{"amended", amended, orgs, nil, clars},
		{"amended, cancelled", amendedCancelled, orgs, nil, clars},
		{"amended, paid", amendedAwarded, orgs, []OCDSProject{{Award: award, Project: &signed, Tranches: paid}}, clars},
	}
}

// ocdsClarifications are three clarifications of a call published at at
// with its deadline 20 days on, as the store lists them: on day 2 one that
// only explains, on day 5 a material one (15 days remain: the deadline
// stays), on day 8 a material one that moves the deadline three days.
func ocdsClarifications(at time.Time) ([]Clarification, time.Time) {
	deadline, moved := at.AddDate(0, 0, 20), at.AddDate(0, 0, 23)
	return []Clarification{
		{ID: "cl-explain", CallID: "c1", Title: "培训场地说明", Body: "培训场地由各社区提供，投标报价无需包含场地租金。",
			DeadlineFrom: deadline, DeadlineTo: deadline, PublishedAt: at.AddDate(0, 0, 2)},
		{ID: "cl-modules", CallID: "c1", Title: "培训模块调整", Body: "培训模块增加“心肺复苏”，每名学员学时不少于 16 学时。", Material: true,
			DeadlineFrom: deadline, DeadlineTo: deadline, PublishedAt: at.AddDate(0, 0, 5)},
		{ID: "cl-scope", CallID: "c1", Title: "服务范围扩大", Body: "服务范围扩大至友谊路、挂甲寺两个街道，请据此调整投标文件。", Material: true,
			DeadlineFrom: deadline, DeadlineTo: moved, PublishedAt: at.AddDate(0, 0, 8)},
	}, moved
}

// TestOCDSPackagesPassTheOfficialChecks validates the package of a call at
// every stage against the official OCDS 1.1.5 release-package schema and
// holds it to the common checks of the OCDS Data Review Tool (ocdscheck).
func TestOCDSPackagesPassTheOfficialChecks(t *testing.T) {
	pub := OCDSPublisher{Prefix: "ocds-t3st01", BaseURL: "https://grants.example.gov.cn/", License: "https://creativecommons.org/licenses/by/4.0/",
		PublicationPolicy: "https://grants.example.gov.cn/public#open-data"}
	tags := map[string]string{"published": "tender", "opened, in publicity": "tender", "cancelled": "tender,tenderCancellation",
		"failed": "tender,tenderUpdate", "awarded": "tender,award", "contract signed": "tender,award,contract",
		"paid": "tender,award,contract,implementation", "terminated": "tender,award,contract,implementation,contractTermination",
		"completed": "tender,award,contract,implementation,contractTermination",
		"amended":   "tender,tenderAmendment,tenderAmendment", "amended, cancelled": "tender,tenderAmendment,tenderAmendment,tenderCancellation",
		"amended, paid": "tender,tenderAmendment,tenderAmendment,award,contract,implementation"}
	for _, w := range ocdsWorld() {
		pkg := OCDSPackageFor(pub, "/api/v1/public/calls/c1/ocds.json", w.call, w.clars, "天津市河西区民政局", w.orgs, w.prjs)
		b, err := json.Marshal(pkg)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ocdscheck.Problems(b, "ocds-t3st01") {
			t.Errorf("%s: %s", w.name, p)
		}
		if pkg.URI != "https://grants.example.gov.cn/api/v1/public/calls/c1/ocds.json" || pkg.License != pub.License || pkg.PublicationPolicy != pub.PublicationPolicy {
			t.Errorf("%s: package uri %q, license %q, policy %q", w.name, pkg.URI, pkg.License, pkg.PublicationPolicy)
		}
		var got []string
		for _, r := range pkg.Releases {
			got = append(got, r.Tag[0])
		}
		if strings.Join(got, ",") != tags[w.name] {
			t.Errorf("%s: releases %v, want %s", w.name, got, tags[w.name])
		}
		if !pkg.Releases[0].Date.Equal(w.call.PublishedAt) {
			t.Errorf("%s: the tender release is dated %s, not at publication", w.name, pkg.Releases[0].Date)
		}
		awarded := w.call.Stage == StageAwarded
		for _, r := range pkg.Releases {
			tn := r.Tender
			if r.Tag[0] == "tender" || r.Tag[0] == "tenderAmendment" || r.Tag[0] == "tenderCancellation" || r.Tag[0] == "tenderUpdate" {
				// Before the award nothing says who bid, or how many.
				if tn.NumberOfTenderers != nil || len(tn.Tenderers) > 0 || len(r.Parties) != 1 {
					t.Errorf("%s: the %s release names tenderers: %+v %+v", w.name, r.Tag[0], tn, r.Parties)
				}
				continue
			}
			// From the award on every organisation whose bid was opened.
			if tn.NumberOfTenderers == nil || *tn.NumberOfTenderers != len(w.orgs) || len(r.Parties) != 1+len(w.orgs) {
				t.Errorf("%s: the %s release: numberOfTenderers %v, parties %+v, want the %d tenderers", w.name, r.Tag[0], tn.NumberOfTenderers, r.Parties, len(w.orgs))
			}
			for _, p := range r.Parties {
				for _, o := range w.orgs {
					if o.Name == p.Name && o.USCC != "" && (p.Identifier == nil || p.Identifier.ID != o.USCC) {
						t.Errorf("%s: party %+v: want its credit code %s under CN-USCI", w.name, p, o.USCC)
					}
				}
			}
		}
		if !awarded {
			for _, o := range w.orgs {
				if strings.Contains(string(b), o.Name) {
					t.Errorf("%s: the package names tenderer %s before the award", w.name, o.Name)
				}
			}
		}
	}
}

// TestOCDSChecksCatch: each check of ocdscheck fails on the mistake it is
// for (the package GrantFlow made before these checks had most of them).
func TestOCDSChecksCatch(t *testing.T) {
	pub := OCDSPublisher{Prefix: "ocds-t3st01", BaseURL: "https://grants.example.gov.cn", License: "https://creativecommons.org/licenses/by/4.0/",
		PublicationPolicy: "https://grants.example.gov.cn/public#open-data"}
	const paid, amended = 6, 10 // ocdsWorld: paid; amended twice, then cancelled
	for _, c := range []struct {
		want   string
		world  int
		break_ func(p *OCDSPackage)
		raw    func(p map[string]any) // breaks the JSON itself
	}{
		{"release-package schema", paid, func(p *OCDSPackage) { p.Version = "1.1.5" }, nil},
		{"package uri", paid, func(p *OCDSPackage) { p.URI = "/api/v1/public/calls/c1/ocds.json" }, nil},
		{"license", paid, func(p *OCDSPackage) { p.License = "" }, nil},
		{"publicationPolicy", paid, func(p *OCDSPackage) { p.PublicationPolicy = "" }, nil},
		{"not in +08:00", paid, func(p *OCDSPackage) { p.Releases[1].Date = p.Releases[1].Date.UTC() }, nil},
		{"want the prefix", paid, func(p *OCDSPackage) { p.Releases[0].OCID = "ocds-gfcn01-ZJ2026-000001" }, nil},
		{"the tender release shows the tender complete", paid, func(p *OCDSPackage) { p.Releases[0].Tender.Status = "complete" }, nil},
		{"shows contract XM2026-000001 terminated", paid, func(p *OCDSPackage) { p.Releases[2].Contracts[0].Status = "terminated" }, nil},
		{"numberOfTenderers 3, but 1 tenderers", paid, func(p *OCDSPackage) { p.Releases[1].Tender.Tenderers = p.Releases[1].Tender.Tenderers[:1] }, nil},
		{"is not among the parties as tenderer", paid, func(p *OCDSPackage) { p.Releases[1].Parties = p.Releases[1].Parties[:2] }, nil},
		{"/releases/2/awards/0/title is empty", paid, func(p *OCDSPackage) { p.Releases[2].Awards[0].Title = " " }, nil},
		{"under CN-USCI", paid, func(p *OCDSPackage) { p.Releases[1].Parties[1].Identifier.Scheme = "CN-SAIC" }, nil},
		// Tender amendments: the official schema holds their releases to
		// its required fields and its formats.
		{"at '/releases/1': missing property 'tag'", amended, nil, func(p map[string]any) { delete(release(p, 1), "tag") }},
		{"at '/releases/2': missing property 'ocid'", amended, nil, func(p map[string]any) { delete(release(p, 2), "ocid") }},
		{"at '/releases/2/tender/amendments/1/date': '2026-09-09' is not valid date-time", amended, nil, func(p map[string]any) {
			release(p, 2)["tender"].(map[string]any)["amendments"].([]any)[1].(map[string]any)["date"] = "2026-09-09"
		}},
		{"the tenderAmendment release shows the tender complete", amended, func(p *OCDSPackage) { p.Releases[1].Tender.Status = "complete" }, nil},
		{"lacks its id, date, rationale or description", amended, func(p *OCDSPackage) { p.Releases[2].Tender.Amendments[1].Rationale = "" }, nil},
		{"does not carry its amendment", amended, func(p *OCDSPackage) { p.Releases[1].Tender.Amendments = nil }, nil},
		{"not its tenderAmendment release", amended, func(p *OCDSPackage) { p.Releases[2].Tender.Amendments[1].ReleaseID = p.Releases[0].ID }, nil},
		{"not one before it", amended, func(p *OCDSPackage) { p.Releases[2].Tender.Amendments[1].AmendsReleaseID = p.Releases[2].ID }, nil},
		{"dated after it", amended, func(p *OCDSPackage) { p.Releases[1].Tender.Amendments[0].Date = p.Releases[2].Date }, nil},
		{"drops amendment cl-scope", amended, func(p *OCDSPackage) { p.Releases[3].Tender.Amendments = p.Releases[3].Tender.Amendments[:1] }, nil},
		{"the compiled release's tender", amended, func(p *OCDSPackage) { p.Releases[3].Tender.TenderPeriod = nil }, nil},
	} {
		w := ocdsWorld()[c.world]
		pkg := OCDSPackageFor(pub, "/api/v1/public/calls/c1/ocds.json", w.call, w.clars, "天津市河西区民政局", w.orgs, w.prjs)
		if probs := ocdscheck.Problems(mustJSON(t, pkg), "ocds-t3st01"); len(probs) > 0 {
			t.Fatalf("%s before breaking it: %v", w.name, probs)
		}
		// deep copy before breaking: releases share slices
		var broken OCDSPackage
		if err := json.Unmarshal(mustJSON(t, pkg), &broken); err != nil {
			t.Fatal(err)
		}
		if c.break_ != nil {
			c.break_(&broken)
		}
		b := mustJSON(t, broken)
		if c.raw != nil {
			var m map[string]any
			if err := json.Unmarshal(b, &m); err != nil {
				t.Fatal(err)
			}
			c.raw(m)
			b = mustJSON(t, m)
		}
		probs := strings.Join(ocdscheck.Problems(b, "ocds-t3st01"), "\n")
		if !strings.Contains(probs, c.want) {
			t.Errorf("%s: the checks say %q", c.want, probs)
		}
	}
}

func release(p map[string]any, i int) map[string]any {
	return p["releases"].([]any)[i].(map[string]any)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
