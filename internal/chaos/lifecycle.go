package chaos

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
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
