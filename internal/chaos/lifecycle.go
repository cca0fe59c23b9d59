package chaos

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"grantflow/internal/domain"
)

// bidders bid on every call; zuzhi (the demo organisation) is scored best.
var bidders = []string{"zuzhi", "org2", "org3"}

var prices = map[string]int64{"zuzhi": 260000_00, "org2": 240000_00, "org3": 280000_00}

// experts are the pool the panels and evaluators are drawn from (Setup
// makes expert1…expert6).
var experts = []string{"zhuanjia", "expert1", "expert2", "expert3", "expert4", "expert5", "expert6"}

const (
	proposal   = "面向友谊路街道失能老年人家庭照护者，开展失能照护基础、压疮预防、转移搬运、进食与用药照护、心肺复苏五个模块共 12 期培训，每名学员不少于 16 学时。"
	reportText = "本项目已开展失能照护基础、压疮预防、转移搬运等模块培训，学员签到、学时和满意度调查记录完整，资金按预算执行；存在部分学员白天需照护老人、出勤不稳定的问题，下一阶段增加晚间与周末场次。"
	evalNote   = "培训组织规范，签到与学时记录完整，建议补充实操考核影像。"
)

var pdfDoc = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// lifecycle is one call from draft to award and its project from contract
// to archive, driven through the JSON API.
type lifecycle struct {
	n      int
	c      *client
	callID string
	// reissued are calls given up because their bidding window closed
	// before every bid was in (the faults slowed the draft, submission or
	// publication past it): they fail (流标) and the lifecycle starts a new
	// call, as civil affairs would
	reissued []string
	award    string
	step     string // where it is (named in a failure)
	poll     time.Duration
	wait     time.Duration // longest wait for the system to move on
}

type callView struct {
	Stage  string `json:"stage"`
	MySeat *struct {
		Status string `json:"status"`
	} `json:"my_seat"`
	Panel []struct {
		Status string `json:"status"`
	} `json:"panel"`
	Awards []domain.Award `json:"awards"`
}

func bidBody(n int, price int64) map[string]any {
	return map[string]any{
		"technical_proposal": proposal,
		"budget":             []map[string]any{{"item": "讲师劳务费", "amount_fen": price / 2}, {"item": "教材与场地", "amount_fen": price - price/2}},
		"price_fen":          price,
		"team":               []map[string]any{{"name": "王芳", "role": "项目负责人", "qualification": "中级社会工作师"}},
		"documents": []map[string]any{{"file_name": "资质证明.pdf",
			"content_base64": base64.StdEncoding.EncodeToString(fmt.Appendf(nil, "%%PDF-1.4\n%% 资质证明 %d\n%%%%EOF\n", n))}},
	}
}

// until polls cond until it holds or l.wait passes.
func (l *lifecycle) until(ctx context.Context, what string, cond func() (bool, error)) error {
	l.step = "waiting for " + what
	deadline := time.Now().Add(l.wait)
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("%s: %w", what, err)
		}
		if ok {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s: not reached in %s", what, l.wait)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(l.poll):
		}
	}
}

func (l *lifecycle) call(ctx context.Context, user string) (callView, error) {
	var v callView
	err := l.c.get(ctx, user, "/api/v1/calls/"+l.callID, &v)
	return v, err
}

func (l *lifecycle) stage(ctx context.Context, want string) error {
	return l.until(ctx, "stage "+want, func() (bool, error) {
		v, err := l.call(ctx, "hexi")
		return v.Stage == want, err
	})
}

// post sends a keyed JSON request and wants 200 or 201.
func (l *lifecycle) post(ctx context.Context, user, path string, body any) error {
	l.step = user + " POST " + path
	_, err := l.c.must(ctx, l.step, req{user: user, method: "POST", path: path, json: body, keyed: true}, nil, http.StatusOK, http.StatusCreated)
	return err
}

// errLate says a call's bidding window closed before its bids were in.
var errLate = errors.New("the bidding window closed before every bid was in")

func (l *lifecycle) run(ctx context.Context, bidWindow time.Duration) error {
	for attempt := 1; ; attempt++ {
		err := l.runCall(ctx, bidWindow)
		if errors.Is(err, errLate) && attempt < 3 {
			l.reissued = append(l.reissued, l.callID)
			continue
		}
		if err != nil {
			return fmt.Errorf("call %s: %w", l.callID, err)
		}
		break
	}
	if err := l.runProject(ctx); err != nil {
		return fmt.Errorf("project %s: %w", l.award, err)
	}
	l.step = "done"
	return nil
}

func (l *lifecycle) runCall(ctx context.Context, bidWindow time.Duration) error {
	var created struct{ ID string }
	l.step = "draft"
	if _, err := l.c.must(ctx, "draft", req{user: "hexi", method: "POST", path: "/api/v1/calls", keyed: true, json: map[string]any{
		"title": fmt.Sprintf("河西区失能老年人家庭照护者培训（耐久性检验 %d）", l.n), "brand": "cuncaoxin", "district": "河西区",
		"budget_fen": 300000_00, "mode": "competition", "bid_deadline": time.Now().Add(bidWindow).Truncate(time.Second),
	}}, &created, http.StatusCreated); err != nil {
		return err
	}
	l.callID = created.ID
	path := "/api/v1/calls/" + l.callID
	if err := l.post(ctx, "hexi", path+"/submit", nil); err != nil {
		return err
	}
	if err := l.post(ctx, "minzheng", path+"/publication", map[string]any{"approve": true}); err != nil {
		return err
	}
	var pub struct {
		BidDeadline time.Time `json:"bid_deadline"`
	}
	if err := l.c.get(ctx, "hexi", path, &pub); err != nil {
		return err
	}
	if time.Until(pub.BidDeadline) < 15*time.Second {
		return errLate
	}
	for _, u := range bidders {
		l.step = u + " POST " + path + "/bids"
		a, err := l.c.must(ctx, l.step, req{user: u, method: "POST", path: path + "/bids", json: bidBody(l.n, prices[u]), keyed: true}, nil,
			http.StatusCreated, http.StatusConflict)
		if err != nil {
			return err
		}
		if a.status == http.StatusConflict {
			if time.Now().After(pub.BidDeadline) {
				return errLate
			}
			return fmt.Errorf("%s: %d %.300s", l.step, a.status, a.body)
		}
	}
	if err := l.stage(ctx, "qualification"); err != nil {
		return err
	}
	var opened struct {
		Items []struct {
			ID        string `json:"id"`
			OrgID     int64  `json:"org_id"`
			DigestsOK *bool  `json:"digests_ok"`
		}
	}
	if err := l.c.get(ctx, "hexi", path+"/bids", &opened); err != nil {
		return err
	}
	if len(opened.Items) != len(bidders) {
		return fmt.Errorf("%d bids opened, want %d", len(opened.Items), len(bidders))
	}
	var decisions []map[string]any
	for _, b := range opened.Items {
		if b.DigestsOK == nil || !*b.DigestsOK {
			return fmt.Errorf("bid %s opened without its digests verified", b.ID)
		}
		decisions = append(decisions, map[string]any{"bid_id": b.ID, "qualified": true})
	}
	if err := l.post(ctx, "hexi", path+"/qualification", map[string]any{"decisions": decisions}); err != nil {
		return err
	}
	// the panel: five drawn; each declares no conflict
	if err := l.until(ctx, "the panel", func() (bool, error) {
		v, err := l.call(ctx, "hexi")
		n := 0
		for _, p := range v.Panel {
			if p.Status == "drawn" || p.Status == "confirmed" {
				n++
			}
		}
		return n >= 5, err
	}); err != nil {
		return err
	}
	var panel []string
	for _, u := range experts {
		v, err := l.call(ctx, u)
		if err != nil {
			return err
		}
		if v.MySeat != nil && (v.MySeat.Status == "drawn" || v.MySeat.Status == "confirmed") {
			panel = append(panel, u)
		}
	}
	if len(panel) != 5 {
		return fmt.Errorf("seated %v, want five", panel)
	}
	for _, u := range panel {
		if err := l.post(ctx, u, path+"/declaration", map[string]any{"conflict": false}); err != nil {
			return err
		}
	}
	if err := l.stage(ctx, "scoring"); err != nil {
		return err
	}
	demoOrg := int64(0)
	for _, u := range panel {
		for _, b := range opened.Items {
			v := 0.7
			if b.OrgID == l.c.orgOf("zuzhi") {
				v, demoOrg = 0.9, b.OrgID
			}
			if err := l.post(ctx, u, path+"/scores", map[string]any{"bid_id": b.ID,
				"points": []float64{25 * v, 25 * v, 20 * v, 10 * v, 10 * v, 0}, "comment": "方案完整，培训模块与需求契合，团队资质齐全。"}); err != nil {
				return err
			}
		}
	}
	if err := l.stage(ctx, "ca_approval"); err != nil {
		return err
	}
	if err := l.post(ctx, "hexi", path+"/approval", map[string]any{"approve": true}); err != nil {
		return err
	}
	if err := l.post(ctx, "caizheng", path+"/approval", map[string]any{"approve": true}); err != nil {
		return err
	}
	if err := l.stage(ctx, "awarded"); err != nil {
		return err
	}
	v, err := l.call(ctx, "zuzhi")
	if err != nil {
		return err
	}
	if len(v.Awards) != 1 || v.Awards[0].OrgID != demoOrg {
		return fmt.Errorf("awards %+v, want one to the demo organisation", v.Awards)
	}
	l.award = v.Awards[0].ID
	return nil
}

type projectView struct {
	Stage string `json:"stage"`
}

func (l *lifecycle) project(ctx context.Context) (projectView, error) {
	var p projectView
	a, err := l.c.do(ctx, req{user: "hexi", method: "GET", path: "/api/v1/awards/" + l.award})
	if err != nil || a.status == http.StatusNotFound {
		return p, err // not started yet
	}
	if a.status != http.StatusOK {
		return p, fmt.Errorf("project: %d %.200s", a.status, a.body)
	}
	return p, a.decode(&p)
}

func (l *lifecycle) projectStage(ctx context.Context, want string) error {
	return l.until(ctx, "project stage "+want, func() (bool, error) {
		p, err := l.project(ctx)
		return p.Stage == want, err
	})
}

func (l *lifecycle) rounds(ctx context.Context) ([]domain.Evaluation, error) {
	var out struct{ Items []domain.Evaluation }
	err := l.c.get(ctx, "hexi", "/api/v1/awards/"+l.award+"/evaluations", &out)
	return out.Items, err
}

func (l *lifecycle) runProject(ctx context.Context) error {
	base := "/api/v1/awards/" + l.award
	if err := l.projectStage(ctx, "contracting"); err != nil {
		return err
	}
	if err := l.post(ctx, "hexi", base+"/terms", map[string]any{"trainees": 300, "hours_per_trainee": 2, "sessions": 12,
		"modules": domain.DefaultModules, "starts_on": time.Now().AddDate(0, 0, -2), "term_months": 12, "performance_bond_fen": 26000_00}); err != nil {
		return err
	}
	if err := l.post(ctx, "zuzhi", base+"/confirmation", map[string]any{"revision": 1}); err != nil {
		return err
	}
	if err := l.post(ctx, "hexi", base+"/confirmation", map[string]any{"revision": 1}); err != nil {
		return err
	}
	if err := l.projectStage(ctx, "delivery"); err != nil {
		return err
	}
	if err := l.training(ctx, base); err != nil {
		return err
	}
	if err := l.tranche(ctx, base, 1); err != nil {
		return err
	}
	// the mid-term evaluation: the report, three drawn evaluators' sheets
	for _, ph := range []struct {
		phase string
		n     int
		pts   []float64
	}{{"midterm", 1, []float64{24, 16, 16, 24}}, {"final", 2, []float64{46, 27, 0, 9}}} {
		if err := l.until(ctx, ph.phase+" round", func() (bool, error) {
			rs, err := l.rounds(ctx)
			return len(rs) >= ph.n, err
		}); err != nil {
			return err
		}
		l.step = "the " + ph.phase + " report"
		if _, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: base + "/evaluations/" + ph.phase + "/report", keyed: true,
			form: map[string]string{"summary": reportText}, file: &formFile{"file", "自评报告.pdf", pdfDoc}}, nil, http.StatusOK); err != nil {
			return err
		}
		if err := l.until(ctx, ph.phase+" evaluators", func() (bool, error) {
			rs, err := l.rounds(ctx)
			if err != nil || len(rs) < ph.n {
				return false, err
			}
			n := 0
			for _, e := range rs[ph.n-1].Evaluators {
				if e.Excluded == "" {
					n++
				}
			}
			return n >= domain.EvaluatorsPerRound, nil
		}); err != nil {
			return err
		}
		var drawn []string
		for _, u := range experts {
			var list struct {
				Items []struct {
					ProjectID string `json:"project_id"`
					Phase     string `json:"phase"`
					Attempt   int    `json:"attempt"`
				}
			}
			if err := l.c.get(ctx, u, "/api/v1/evaluations", &list); err != nil {
				return err
			}
			for _, a := range list.Items {
				if a.ProjectID == l.award && a.Phase == ph.phase && a.Attempt == 1 && !slices.Contains(drawn, u) {
					drawn = append(drawn, u)
				}
			}
		}
		if len(drawn) != domain.EvaluatorsPerRound {
			return fmt.Errorf("%s evaluators %v, want %d", ph.phase, drawn, domain.EvaluatorsPerRound)
		}
		for _, u := range drawn {
			if err := l.post(ctx, u, base+"/evaluations/"+ph.phase+"/1/scores", map[string]any{"points": ph.pts, "comment": evalNote, "site_visit": "现场查看社区培训一场。"}); err != nil {
				return err
			}
		}
		if err := l.until(ctx, ph.phase+" outcome", func() (bool, error) {
			rs, err := l.rounds(ctx)
			return err == nil && len(rs) >= ph.n && rs[ph.n-1].Outcome != nil, err
		}); err != nil {
			return err
		}
		if rs, _ := l.rounds(ctx); !rs[ph.n-1].Outcome.Passed {
			return fmt.Errorf("the %s evaluation did not pass: %+v", ph.phase, rs[ph.n-1].Outcome)
		}
		if err := l.tranche(ctx, base, ph.n+1); err != nil {
			return err
		}
	}
	return l.projectStage(ctx, "archived")
}

// tranche has civil affairs confirm tranche n's condition and finance pay it.
func (l *lifecycle) tranche(ctx context.Context, base string, n int) error {
	if err := l.post(ctx, "hexi", fmt.Sprintf("%s/tranches/%d/confirm", base, n), nil); err != nil {
		return err
	}
	l.step = fmt.Sprintf("pay tranche %d", n)
	_, err := l.c.must(ctx, l.step, req{user: "caizheng", method: "POST", path: fmt.Sprintf("%s/tranches/%d/payment", base, n), keyed: true,
		form: map[string]string{"voucher_no": fmt.Sprintf("HX-%d-%d", l.n, n)}, file: &formFile{"file", "付款凭证.pdf", pdfDoc}}, nil, http.StatusOK)
	return err
}

// idNumber is a valid 身份证号, different for every (lifecycle, k).
func idNumber(n, k int) string {
	seq := 2*n + k
	prefix := fmt.Sprintf("110105%04d0101%03d", 1940+(seq/1000)%60, seq%1000)
	c, _ := domain.IDCardCheckChar(prefix)
	return prefix + string(c)
}

// training records the project's training: a past session and a running
// one, two trainees, one marked present, one imported from a sheet, and a
// phone check-in and check-out. These requests carry no idempotency key: an
// unclear outcome is learnt by reading back, as a person would look.
func (l *lifecycle) training(ctx context.Context, base string) error {
	now := time.Now().Truncate(time.Minute)
	sessionAt := func(module, place string, from, to time.Time) (domain.TrainingSession, error) {
		l.step = "plan the session at " + place
		find := func() (domain.TrainingSession, bool, error) {
			var list struct{ Items []domain.TrainingSession }
			if err := l.c.get(ctx, "zuzhi", base+"/sessions", &list); err != nil {
				return domain.TrainingSession{}, false, err
			}
			for _, s := range list.Items {
				if s.Place == place {
					return s, true, nil
				}
			}
			return domain.TrainingSession{}, false, nil
		}
		if s, ok, err := find(); err != nil || ok {
			return s, err
		}
		_, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: base + "/sessions", json: map[string]any{"module": module,
			"starts_at": from, "ends_at": to, "place": place, "trainer": "韩雪", "hours": 2}}, nil, http.StatusCreated)
		if err != nil {
			return domain.TrainingSession{}, err
		}
		s, ok, err := find()
		if err == nil && !ok {
			err = fmt.Errorf("the session at %s was not found after it was planned", place)
		}
		return s, err
	}
	past, err := sessionAt("压疮预防", fmt.Sprintf("平江里社区活动室 %d-1", l.n), now.Add(-3*time.Hour), now.Add(-time.Hour))
	if err != nil {
		return err
	}
	var ids []int64
	for k, name := range []string{"李秀英", "王桂兰"} {
		l.step = "enrol " + name
		a, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: base + "/trainees", json: map[string]any{
			"name": name, "id_number": idNumber(l.n, k), "relation": "配偶", "community": "平江里社区", "consent": true}}, nil,
			http.StatusCreated, http.StatusUnprocessableEntity)
		if err != nil {
			return err
		}
		var x struct{ ID int64 }
		if a.status == http.StatusUnprocessableEntity {
			// a retry after a lost answer: the roster names the one enrolled
			if !strings.Contains(string(a.body), "编号") {
				return fmt.Errorf("enrol %s: %s", name, a.body)
			}
			var roster struct{ Items []domain.Trainee }
			if err := l.c.get(ctx, "zuzhi", base+"/trainees", &roster); err != nil {
				return err
			}
			for _, t := range roster.Items {
				if t.Name == name {
					x.ID = t.ID
				}
			}
			if x.ID == 0 {
				return fmt.Errorf("enrol %s: refused as a duplicate but not on the roster: %s", name, a.body)
			}
		} else if err := a.decode(&x); err != nil {
			return err
		}
		ids = append(ids, x.ID)
	}
	l.step = "mark present"
	if _, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: fmt.Sprintf("%s/sessions/%d/attendance", base, past.ID),
		json: map[string]any{"trainee_ids": ids[:1]}}, nil, http.StatusOK); err != nil {
		return err
	}
	// the first trainee has the contract's 2 hours: a certificate, issued by
	// a double click (two requests at once) — both get the same one
	if err := l.certificate(ctx, base, ids[0]); err != nil {
		return err
	}
	at := func(d time.Duration) string { return now.Add(d).In(domain.ChinaTime).Format("2006-01-02 15:04") }
	csv := "场次编号,学员编号,签到时间,签退时间\n" + fmt.Sprintf("%d,%d,%s,%s\n", past.ID, ids[1], at(-3*time.Hour+40*time.Minute), at(-time.Hour))
	l.step = "import attendance"
	if _, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: base + "/attendance/import",
		file: &formFile{"file", "签到表.csv", []byte(csv)}}, nil, http.StatusOK); err != nil {
		return err
	}
	running, err := sessionAt("转移搬运", fmt.Sprintf("平江里社区活动室 %d-2", l.n), now.Add(-30*time.Minute), now.Add(90*time.Minute))
	if err != nil {
		return err
	}
	// check in, then out; a third is refused (409): after a lost answer the
	// person tries again and the record shows both
	for _, what := range []string{"in", "out"} {
		l.step = "check " + what
		if _, err := l.c.must(ctx, l.step, req{method: "POST", path: "/api/v1/checkin", json: map[string]any{"code": running.Code,
			"trainee_id": ids[0], "name": "李秀英"}}, nil, http.StatusOK, http.StatusConflict); err != nil {
			return err
		}
	}
	return nil
}

// certificate issues a trainee's certificate with two requests at once (a
// double click). Both must get the same certificate; one refused as a
// duplicate submission (a known race, issue 14's certificate numbering) is
// counted, and the person clicks again.
func (l *lifecycle) certificate(ctx context.Context, base string, trainee int64) error {
	l.step = "issue a certificate"
	path := fmt.Sprintf("%s/trainees/%d/certificate", base, trainee)
	var got [2]answer
	var errs [2]error
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i], errs[i] = l.c.do(ctx, req{user: "zuzhi", method: "POST", path: path})
		}(i)
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			return errs[i]
		}
		if got[i].status == http.StatusConflict {
			l.c.known.Add(1)
			a, err := l.c.must(ctx, l.step+" (clicked again)", req{user: "zuzhi", method: "POST", path: path}, nil, http.StatusOK)
			if err != nil {
				return err
			}
			got[i] = a
		}
		if got[i].status != http.StatusOK {
			return fmt.Errorf("certificate: %d %.300s", got[i].status, got[i].body)
		}
	}
	if !bytes.Equal(got[0].body, got[1].body) {
		return fmt.Errorf("two certificates for one trainee (%d and %d bytes differ)", len(got[0].body), len(got[1].body))
	}
	return nil
}
