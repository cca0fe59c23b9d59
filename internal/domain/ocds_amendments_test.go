package domain_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	. "grantflow/internal/domain"
	"grantflow/internal/ocdscheck"
)

// TestOCDSTenderAmendments: each material clarification is a
// tenderAmendment release at its publication (+08:00), in date order among
// the call's other releases, showing the tender as it stood after it (every
// amendment so far, the deadline it moved to); a clarification that only
// explains is none; the tender release keeps the deadline it had at
// publication and the latest release shows the deadline of today.
func TestOCDSTenderAmendments(t *testing.T) {
	at := time.Date(2026, 9, 1, 1, 30, 0, 0, time.UTC)
	clars, moved := ocdsClarifications(at) // explain (day 2), modules (day 5), scope (day 8, deadline +3 days)
	explain, modules, scope := clars[0], clars[1], clars[2]
	deadline := at.AddDate(0, 0, 20)
	call := Call{Number: "ZJ2026-000001", Title: "照护者培训", Budget: 300000_00, Stage: StageBidding, PublishedAt: at,
		BidDeadline: deadline, UpdatedAt: at, Plan: Plan{Mode: ModeCompetition}}
	movedCall := call
	movedCall.BidDeadline = moved
	cancelled := movedCall
	cancelled.Stage, cancelled.UpdatedAt = StageCancelled, at.AddDate(0, 0, 12)
	awarded := movedCall
	awarded.Stage, awarded.OpenedAt, awarded.AwardedAt = StageAwarded, moved, at.AddDate(0, 1, 0)
	orgs := []OCDSOrg{{OrgID: 7, Name: "夕阳红社工中心", USCC: "91350100M000100Y43"}}
	award := []OCDSProject{{Award: Award{ID: "a1", OrgID: 7, OrgName: "夕阳红社工中心", Amount: 260000_00, CreatedAt: awarded.AwardedAt}}}
	d := func(t time.Time) string { return t.In(ChinaTime).Format(time.RFC3339) }

	type rel struct {
		tag, date, endDate, amendments string
	}
	tender := rel{"tender", d(at), d(deadline), ""}
	for _, c := range []struct {
		name     string
		call     Call
		clars    []Clarification
		projects []OCDSProject
		want     []rel
	}{
		{"no clarification", call, nil, nil, []rel{tender}},
		{"a clarification that only explains", call, []Clarification{explain}, nil, []rel{tender}},
		{"a material one, the deadline kept", call, []Clarification{explain, modules}, nil, []rel{tender,
			{"tenderAmendment", d(modules.PublishedAt), d(deadline), "cl-modules"}}},
		{"a material one moving the deadline", movedCall, []Clarification{scope}, nil, []rel{tender,
			{"tenderAmendment", d(scope.PublishedAt), d(moved), "cl-scope"}}},
		{"two, listed out of order", movedCall, []Clarification{scope, explain, modules}, nil, []rel{tender,
			{"tenderAmendment", d(modules.PublishedAt), d(deadline), "cl-modules"},
			{"tenderAmendment", d(scope.PublishedAt), d(moved), "cl-modules,cl-scope"}}},
		{"amended, then cancelled", cancelled, clars, nil, []rel{tender,
			{"tenderAmendment", d(modules.PublishedAt), d(deadline), "cl-modules"},
			{"tenderAmendment", d(scope.PublishedAt), d(moved), "cl-modules,cl-scope"},
			{"tenderCancellation", d(cancelled.UpdatedAt), d(moved), "cl-modules,cl-scope"}}},
		{"amended, then awarded", awarded, clars, award, []rel{tender,
			{"tenderAmendment", d(modules.PublishedAt), d(deadline), "cl-modules"},
			{"tenderAmendment", d(scope.PublishedAt), d(moved), "cl-modules,cl-scope"},
			{"award", d(awarded.AwardedAt), d(moved), "cl-modules,cl-scope"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pub := OCDSPublisher{Prefix: "ocds-t3st01", BaseURL: "https://grants.example.gov.cn", License: "https://creativecommons.org/licenses/by/4.0/",
				PublicationPolicy: "https://grants.example.gov.cn/public#open-data"}
			pkg := OCDSPackageFor(pub, "/api/v1/public/calls/c1/ocds.json", c.call, c.clars, "天津市河西区民政局", orgs, c.projects)
			b, err := json.Marshal(pkg)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range ocdscheck.Problems(b, "ocds-t3st01") {
				t.Error(p)
			}
			var got []rel
			for _, r := range pkg.Releases {
				var ids []string
				for _, a := range r.Tender.Amendments {
					ids = append(ids, a.ID)
				}
				got = append(got, rel{r.Tag[0], r.Date.Format(time.RFC3339), r.Tender.TenderPeriod.EndDate.Format(time.RFC3339), strings.Join(ids, ",")})
			}
			if len(got) != len(c.want) {
				t.Fatalf("releases %+v, want %+v", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("release %d: %+v, want %+v", i, got[i], c.want[i])
				}
			}
			// Each amendment says what changed, as the portal shows the
			// clarification, in its own release.
			for _, r := range pkg.Releases {
				if r.Tag[0] != "tenderAmendment" {
					continue
				}
				a := r.Tender.Amendments[len(r.Tender.Amendments)-1]
				cl := map[string]Clarification{"cl-modules": modules, "cl-scope": scope}[a.ID]
				if r.ID != "ocds-t3st01-ZJ2026-000001-tenderAmendment-"+cl.ID || a.ReleaseID != r.ID || !a.Date.Equal(cl.PublishedAt) ||
					a.Rationale != cl.Title || !strings.HasPrefix(a.Description, cl.Body) || r.Tender.Status != "active" || len(r.Parties) != 1 {
					t.Errorf("the amendment release of %s: %+v", cl.ID, r)
				}
				if cl.Moved() && !strings.Contains(a.Description, "投标截止时间由 2026-09-21 09:30 顺延至 2026-09-24 09:30") {
					t.Errorf("the amendment %s does not say the deadline moved: %q", a.ID, a.Description)
				}
			}
			if strings.Contains(string(b), explain.Body) || strings.Contains(string(b), "cl-explain") {
				t.Error("a clarification that only explains is in the package")
			}
			if last := pkg.Releases[len(pkg.Releases)-1]; !last.Tender.TenderPeriod.EndDate.Equal(c.call.BidDeadline) {
				t.Errorf("the latest release ends the tender at %s, the call at %s", last.Tender.TenderPeriod.EndDate, c.call.BidDeadline)
			}
		})
	}
}
