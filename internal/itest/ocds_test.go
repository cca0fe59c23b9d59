package itest

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/ocdscheck"
)

// TestOCDSTenderAmendmentThroughAPI: a call clarified twice while bids are
// sealed, then cancelled, as its public OCDS package shows it: the
// clarification that only explains is no release; the material one is a
// tenderAmendment at its publication, with the deadline it moved (the
// tender release keeps the deadline of the publication); the package passes
// the official schema and the Data Review Tool's checks at each step, and
// says nothing of the sealed bid or of who wrote the clarification.
func TestOCDSTenderAmendmentThroughAPI(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	deadline := time.Now().Add(time.Hour).Truncate(time.Second)
	var c apiCall
	r := h.api("hexi", "POST", "/api/v1/calls", map[string]any{"title": "河西区照护培训（将修改）", "brand": "shouzuqing", "district": "河西区",
		"budget_fen": 100000_00, "bid_deadline": deadline}, key())
	mustStatus(t, r, http.StatusCreated, "draft")
	r.json(t, &c)
	path := "/api/v1/calls/" + c.ID
	mustStatus(t, h.api("hexi", "POST", path+"/submit", nil, key()), 200, "submit")
	mustStatus(t, h.api("minzheng", "POST", path+"/publication", map[string]any{"approve": true}, key()), 200, "publish")
	proposal := "面向挂甲寺街道失能老年人家庭照护者，开展失能照护基础与应急救护培训 6 期，每名学员 12 学时，考核合格者发放结业证书。"
	mustStatus(t, h.api("zuzhi", "POST", path+"/bids", bidJSON(proposal, 87654_00), key()), http.StatusCreated, "bid")

	org, err := h.app.Store.Organisation(context.Background(), h.actor("zuzhi").OrgID)
	if err != nil {
		t.Fatal(err)
	}
	// Not in the package: the sealed bid (its text, its price, who made
	// it), who wrote the clarifications, the one that only explains.
	absent := []string{proposal, "87654", org.Name, h.actor("zuzhi").Name, h.actor("hexi").Name, "场地租金"}

	ocds := func(want string) domain.OCDSPackage {
		t.Helper()
		r := h.do("GET", "/api/v1/public/calls/"+c.ID+"/ocds.json", "", "", "", nil)
		mustStatus(t, r, 200, "OCDS without signing in")
		for _, p := range ocdscheck.Problems(r.body, domain.OCDSDefaultPrefix) {
			t.Errorf("OCDS package (%s): %s", want, p)
		}
		body := string(r.body)
		for _, s := range absent {
			if strings.Contains(body, s) {
				t.Errorf("the OCDS package (%s) says %q: %s", want, s, body)
			}
		}
		var pkg domain.OCDSPackage
		r.json(t, &pkg)
		var tags []string
		for _, rel := range pkg.Releases {
			tags = append(tags, rel.Tag[0])
		}
		if strings.Join(tags, ",") != want {
			t.Fatalf("OCDS releases %v, want %s", tags, want)
		}
		return pkg
	}
	mustStatus(t, h.api("hexi", "POST", path+"/clarifications", map[string]any{"title": "培训场地说明",
		"body": "培训场地由各社区提供，投标报价无需包含场地租金。"}, key()), 200, "clarify")
	ocds("tender")

	before := time.Now()
	mustStatus(t, h.api("hexi", "POST", path+"/clarifications", map[string]any{"title": "服务范围扩大", "material": true,
		"body": "服务范围扩大至友谊路、挂甲寺两个街道，请据此调整投标文件。"}, key()), 200, "a material clarification")
	moved := h.bidCall("hexi", c.ID).BidDeadline
	if moved.Before(deadline.AddDate(0, 0, 14)) {
		t.Fatalf("the material clarification left the deadline at %s", moved)
	}
	pkg := ocds("tender,tenderAmendment")
	tender, amend := pkg.Releases[0], pkg.Releases[1]
	if !tender.Tender.TenderPeriod.EndDate.Equal(deadline) || !amend.Tender.TenderPeriod.EndDate.Equal(moved) {
		t.Errorf("tender period ends %s, then %s; want %s, then %s", tender.Tender.TenderPeriod.EndDate, amend.Tender.TenderPeriod.EndDate, deadline, moved)
	}
	if len(amend.Tender.Amendments) != 1 || amend.Tender.Status != "active" {
		t.Fatalf("the amendment release: %+v", amend.Tender)
	}
	a := amend.Tender.Amendments[0]
	if a.Rationale != "服务范围扩大" || !strings.HasPrefix(a.Description, "服务范围扩大至友谊路") || !strings.Contains(a.Description, "顺延至") ||
		a.Date.Before(before.Add(-time.Second)) || a.Date.After(time.Now()) || !a.Date.Equal(amend.Date) || a.ReleaseID != amend.ID || a.AmendsReleaseID != tender.ID {
		t.Errorf("the amendment: %+v", a)
	}
	if _, off := amend.Date.Zone(); off != 8*3600 {
		t.Errorf("the amendment release is dated %s, not in +08:00", amend.Date)
	}

	mustStatus(t, h.api("hexi", "POST", path+"/cancel", map[string]any{"reason": "区财政预算调整，本年度暂停"}, nil), 200, "cancel")
	pkg = ocds("tender,tenderAmendment,tenderCancellation")
	if last := pkg.Releases[2]; len(last.Tender.Amendments) != 1 || !last.Tender.TenderPeriod.EndDate.Equal(moved) || last.Tender.Status != "cancelled" {
		t.Errorf("the cancellation release: %+v", last.Tender)
	}
}
