package itest

import (
	"fmt"
	"net/http"
	"testing"

	"grantflow/internal/domain"
)

func TestIdeasIntoTheProjectLibrary(t *testing.T) {
	h := newHarness(t)
	var needs struct{ Items []domain.Need }
	h.api("gaoxiao", "GET", "/api/v1/needs", nil, nil).json(t, &needs)
	if len(needs.Items) < 2 {
		t.Fatalf("the idea submitter sees %d needs", len(needs.Items))
	}
	idea := map[string]any{"title": "失能老人家庭照护者“送学上门”培训", "brand": "shouzuqing", "district": "河西区",
		"summary":  "由护理学院师生和社区医生组成培训队，按转移搬运、压疮预防、进食与用药照护等模块入户教学，每户不少于 12 学时。",
		"need_ids": []int64{needs.Items[0].ID, needs.Items[1].ID}}
	r := h.api("gaoxiao", "POST", "/api/v1/ideas", idea, nil)
	if r.status != http.StatusCreated {
		t.Fatalf("submit idea: %d %s", r.status, r.body)
	}
	var submitted domain.Idea
	r.json(t, &submitted)
	if submitted.Status != domain.IdeaSubmitted || submitted.Institution == "" {
		t.Fatalf("submitted %+v", submitted)
	}
	idea["need_ids"] = []int64{999999}
	if r := h.api("gaoxiao", "POST", "/api/v1/ideas", idea, nil); r.status != 422 {
		t.Fatalf("idea citing a missing need: %d %s", r.status, r.body)
	}
	idea["need_ids"] = []int64{}
	if r := h.api("gaoxiao", "POST", "/api/v1/ideas", idea, nil); r.status != 422 {
		t.Fatalf("idea citing no need: %d %s", r.status, r.body)
	}
	// others' ideas are not shown to a submitter; civil affairs see all
	var mine, all struct{ Total int }
	h.api("gaoxiao", "GET", "/api/v1/ideas", nil, nil).json(t, &mine)
	h.api("minzheng", "GET", "/api/v1/ideas", nil, nil).json(t, &all)
	if mine.Total != 1 || all.Total != 1 {
		t.Fatalf("ideas: mine %d, all %d", mine.Total, all.Total)
	}
	path := fmt.Sprintf("/api/v1/ideas/%d/decision", submitted.ID)
	if r := h.api("hexi", "POST", path, map[string]string{"decision": "decline", "reason": ""}, nil); r.status != 422 {
		t.Fatalf("decline without reason: %d %s", r.status, r.body)
	}
	var adopted struct {
		ProposalID int64 `json:"proposal_id"`
	}
	r = h.api("hexi", "POST", path, map[string]string{"decision": "adopt"}, nil)
	r.json(t, &adopted)
	if r.status != 200 || adopted.ProposalID == 0 {
		t.Fatalf("adopt: %d %s", r.status, r.body)
	}
	if r := h.api("minzheng", "POST", path, map[string]string{"decision": "adopt"}, nil); r.status != http.StatusConflict {
		t.Fatalf("adopt twice: %d %s", r.status, r.body)
	}
	var lib struct {
		Total int
		Items []domain.Proposal
	}
	h.api("caizheng", "GET", "/api/v1/proposals?status=candidate", nil, nil).json(t, &lib)
	if lib.Total != 1 || lib.Items[0].IdeaID != submitted.ID || lib.Items[0].Status != domain.ProposalCandidate {
		t.Fatalf("library: %+v", lib)
	}
	// civil affairs turn common needs into a proposal, within their district
	prop := map[string]any{"title": "南开区社区应急救护培训", "brand": "cuncaoxin", "district": "南开区",
		"summary": "面向独居高龄老人邻里志愿者开展心肺复苏、跌倒处置培训，每个社区两期。", "need_ids": []int64{needs.Items[0].ID}}
	if r := h.api("hexi", "POST", "/api/v1/proposals", prop, nil); r.status != http.StatusForbidden {
		t.Fatalf("河西区 adds a 南开区 proposal: %d %s", r.status, r.body)
	}
	if r := h.api("minzheng", "POST", "/api/v1/proposals", prop, nil); r.status != http.StatusCreated {
		t.Fatalf("add proposal: %d %s", r.status, r.body)
	}
}
