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
	name string
	call Call
	orgs []OCDSOrg
	prjs []OCDSProject
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
	return []ocdsStage{
		{"published", published, orgs, nil},
		{"opened, in publicity", opened, orgs, nil},
		{"cancelled", cancelled, nil, nil},
		{"failed", failed, orgs, nil},
		{"awarded", awarded, orgs, []OCDSProject{{Award: award, Project: &unsigned}}},
		{"contract signed", awarded, orgs, []OCDSProject{{Award: award, Project: &signed}}},
		{"paid", awarded, orgs, []OCDSProject{{Award: award, Project: &signed, Tranches: paid}}},
		{"terminated", awarded, orgs, []OCDSProject{{Award: award, Project: &terminated, Tranches: paid}}},
		{"completed", awarded, orgs, []OCDSProject{{Award: award, Project: &archived, Tranches: paid}}},
	}
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
		"completed": "tender,award,contract,implementation,contractTermination"}
	for _, w := range ocdsWorld() {
		pkg := OCDSPackageFor(pub, "/api/v1/public/calls/c1/ocds.json", w.call, "天津市河西区民政局", w.orgs, w.prjs)
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
			if r.Tag[0] == "tender" || r.Tag[0] == "tenderCancellation" || r.Tag[0] == "tenderUpdate" {
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
	w := ocdsWorld()[6] // paid
	for _, c := range []struct {
		want   string
		break_ func(p *OCDSPackage)
	}{
		{"release-package schema", func(p *OCDSPackage) { p.Version = "1.1.5" }},
		{"package uri", func(p *OCDSPackage) { p.URI = "/api/v1/public/calls/c1/ocds.json" }},
		{"license", func(p *OCDSPackage) { p.License = "" }},
		{"publicationPolicy", func(p *OCDSPackage) { p.PublicationPolicy = "" }},
		{"not in +08:00", func(p *OCDSPackage) { p.Releases[1].Date = p.Releases[1].Date.UTC() }},
		{"want the prefix", func(p *OCDSPackage) { p.Releases[0].OCID = "ocds-gfcn01-ZJ2026-000001" }},
		{"the tender release shows the tender complete", func(p *OCDSPackage) { p.Releases[0].Tender.Status = "complete" }},
		{"shows contract XM2026-000001 terminated", func(p *OCDSPackage) { p.Releases[2].Contracts[0].Status = "terminated" }},
		{"numberOfTenderers 3, but 1 tenderers", func(p *OCDSPackage) { p.Releases[1].Tender.Tenderers = p.Releases[1].Tender.Tenderers[:1] }},
		{"is not among the parties as tenderer", func(p *OCDSPackage) { p.Releases[1].Parties = p.Releases[1].Parties[:2] }},
		{"under CN-USCI", func(p *OCDSPackage) { p.Releases[1].Parties[1].Identifier.Scheme = "CN-SAIC" }},
	} {
		pkg := OCDSPackageFor(pub, "/api/v1/public/calls/c1/ocds.json", w.call, "天津市河西区民政局", w.orgs, w.prjs)
		// deep copy before breaking: releases share slices
		b, _ := json.Marshal(pkg)
		var broken OCDSPackage
		if err := json.Unmarshal(b, &broken); err != nil {
			t.Fatal(err)
		}
		c.break_(&broken)
		b, _ = json.Marshal(broken)
		probs := strings.Join(ocdscheck.Problems(b, "ocds-t3st01"), "\n")
		if !strings.Contains(probs, c.want) {
			t.Errorf("%s: the checks say %q", c.want, probs)
		}
	}
}
