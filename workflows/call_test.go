package workflows

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

var act *activities.Activities

const day = 24 * time.Hour

var (
	civilAffairs  = Actor{UserID: 7, Name: "民政甲", Roles: []domain.Role{domain.RoleCivilAffairs}, District: "河西区"}
	civilAffairs2 = Actor{UserID: 17, Name: "民政乙", Roles: []domain.Role{domain.RoleCivilAffairs}, District: domain.CityLevel}
	otherDistrict = Actor{UserID: 8, Roles: []domain.Role{domain.RoleCivilAffairs}, District: "南开区"}
	financeActor  = Actor{UserID: 9, Name: "财政", Roles: []domain.Role{domain.RoleFinance}, District: domain.CityLevel}
	// bothRoles holds civil affairs and finance: they may give one approval, never both.
	bothRoles = Actor{UserID: 10, Name: "兼任", Roles: []domain.Role{domain.RoleCivilAffairs, domain.RoleFinance}, District: domain.CityLevel}
	public    = Actor{Name: "公众", IP: "203.0.113.9"}
)

func bidder(org int64) Actor {
	return Actor{UserID: 1000 + org, Name: fmt.Sprintf("组织%d", org), Roles: []domain.Role{domain.RoleOrgMember}, OrgID: org}
}

func expert(id int64) Actor {
	return Actor{UserID: id, Name: fmt.Sprintf("专家%d", id), Roles: []domain.Role{domain.RoleExpert}}
}

func testInput() CallInput {
	d := domain.CallDraft{Title: "失能老年人家庭照护者培训", Brand: domain.BrandCunCaoXin, District: "河西区", Budget: 200000_00}.Normalize(domain.DefaultRules)
	return CallInput{CallID: "0b8f6d2e-3c1a-4f55-9a77-1d2e3f4a5b6c", Draft: d, CreatedBy: civilAffairs, Year: 2026}
}

// fixture is a fake world for CallWorkflow: every activity recorded, with
// just enough behaviour (deadlines, draws, opening) for the workflow to
// decide on.
type fixture struct {
	testsuite.WorkflowTestSuite
	mu       sync.Mutex
	t        *testing.T
	env      *testsuite.TestWorkflowEnvironment
	start    time.Time
	renders  []int
	stages   []domain.CallStage
	notes    []string
	attached []domain.Attachment
	updates  int
	bids     map[int64]domain.Bid
	prices   map[int64]domain.Fen
	openedAt time.Time
	draws    []int // Need of each DrawPanel call
	nextExp  int64
	noExpert bool // the pool is exhausted
	results  [][]domain.BidResult
	awarded  []domain.BidResult
	cancels  int
	notices  []activities.NotifyInput
	decide   []string
	// renderFails: how many notice renderings fail (non-retryably) first
	renderFails int
}

func newFixture(t *testing.T) *fixture { return newFixtureSlow(t, 0, 0) }

// newFixtureSlow is a fixture whose opening and clarifications take that
// long (workflow time), for what arrives while they run.
func newFixtureSlow(t *testing.T, openSlow, clarifySlow time.Duration) *fixture {
	return newFixtureWith(t, map[string]time.Duration{"OpenBids": openSlow, "Clarify": clarifySlow})
}

// newFixtureWith is a fixture whose activities named in slow take that long.
func newFixtureWith(t *testing.T, slow map[string]time.Duration) *fixture {
	f := &fixture{t: t, bids: map[int64]domain.Bid{}, prices: map[int64]domain.Fen{1: 180000_00, 2: 150000_00, 3: 190000_00, 4: 160000_00}, nextExp: 100}
	f.env = f.NewTestWorkflowEnvironment()
	f.env.RegisterActivity(act)
	f.start = f.env.Now()
	// The test environment runs activities on goroutines of their own: the
	// fixture's state is guarded by mu.
	on := func(fn any, ret any) {
		v := reflect.ValueOf(ret)
		locked := reflect.MakeFunc(v.Type(), func(args []reflect.Value) []reflect.Value {
			f.mu.Lock()
			defer f.mu.Unlock()
			return v.Call(args)
		})
		name := strings.TrimSuffix(runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name(), "-fm")
		d := slow[name[strings.LastIndex(name, ".")+1:]]
		f.env.OnActivity(fn, mock.Anything, mock.Anything).After(d).Return(locked.Interface())
	}
	on(act.CreateDraftCall, func(_ context.Context, in activities.CreateDraftCallInput) (domain.Call, error) {
		return domain.Call{ID: in.CallID, Number: "ZJ2026-000001", Stage: domain.StageDraft}, nil
	})
	on(act.RenderCallNotice, func(_ context.Context, in activities.RenderCallNoticeInput) (activities.NoticeRef, error) {
		f.renders = append(f.renders, in.Revision)
		if f.renderFails > 0 {
			f.renderFails--
			return activities.NoticeRef{}, temporal.NewNonRetryableApplicationError("征集公告 PDF 无法生成（测试）。", activities.ErrTypeRenderFailed, nil)
		}
		return activities.NoticeRef{Key: "k", SHA256: "abc"}, nil
	})
	on(act.SetCallStage, func(_ context.Context, in activities.SetCallStageInput) error {
		f.stages = append(f.stages, in.Stage)
		f.notes = append(f.notes, in.Reason)
		return nil
	})
	on(act.RecordAttachment, func(_ context.Context, in activities.RecordAttachmentInput) error {
		f.attached = append(f.attached, in.Attachment)
		return nil
	})
	on(act.RecordDecision, func(_ context.Context, in activities.RecordDecisionInput) error {
		f.decide = append(f.decide, fmt.Sprintf("%s:%v:%d", in.Decision.Step, in.Decision.Approve, in.By.UserID))
		return nil
	})
	on(act.PublishCall, func(context.Context, string) (activities.PublishResult, error) {
		return activities.PublishResult{Deadline: f.env.Now().Add(30 * day)}, nil
	})
	on(act.Clarify, func(_ context.Context, in activities.ClarifyInput) (time.Time, error) {
		min := f.env.Now().Add(15 * day)
		if in.Clarification.Material && in.Clarification.DeadlineFrom.Before(min) {
			return min, nil
		}
		return in.Clarification.DeadlineFrom, nil
	})
	on(act.RecordBid, func(_ context.Context, in activities.RecordBidInput) (domain.Receipt, error) {
		b := in.Bid
		b.SubmittedAt = f.env.Now()
		f.bids[b.OrgID] = b
		return b.Receipt(), nil
	})
	on(act.WithdrawBid, func(_ context.Context, in activities.WithdrawBidInput) error {
		delete(f.bids, in.OrgID)
		return nil
	})
	on(act.OpenBids, func(context.Context, string) ([]activities.OpenedBid, error) {
		f.openedAt = f.env.Now()
		var out []activities.OpenedBid
		for org, b := range f.bids {
			out = append(out, activities.OpenedBid{BidID: b.ID, OrgID: org, OrgName: fmt.Sprintf("组织%d", org),
				USCC: fmt.Sprintf("USCC%d", org), Price: f.prices[org], SubmittedAt: b.SubmittedAt, DigestsOK: true})
		}
		slices.SortFunc(out, func(a, b activities.OpenedBid) int { return int(a.OrgID - b.OrgID) })
		return out, nil
	})
	on(act.QualifyBids, func(context.Context, activities.QualifyInput) error { return nil })
	on(act.DrawPanel, func(_ context.Context, in activities.DrawPanelInput) ([]activities.Drawn, error) {
		f.draws = append(f.draws, in.Need)
		if f.noExpert {
			return nil, temporal.NewNonRetryableApplicationError("专家不足", string(domain.CodeConflict), nil)
		}
		var out []activities.Drawn
		for range in.Need {
			f.nextExp++
			out = append(out, activities.Drawn{UserID: f.nextExp, TalentID: f.nextExp, Name: fmt.Sprintf("专家%d", f.nextExp), Seq: int(f.nextExp - 100)})
		}
		return out, nil
	})
	on(act.Declare, func(context.Context, activities.DeclareInput) error { return nil })
	on(act.RecordScore, func(context.Context, activities.RecordScoreInput) error { return nil })
	on(act.SaveResults, func(_ context.Context, in activities.SaveResultsInput) error {
		f.results = append(f.results, in.Results)
		return nil
	})
	on(act.SetCallTimes, func(context.Context, activities.SetCallTimesInput) error { return nil })
	on(act.AddWorkingDays, func(_ context.Context, in activities.WorkingDaysInput) (time.Time, error) {
		return in.From.Add(time.Duration(in.N) * day), nil
	})
	on(act.Notify, func(_ context.Context, in activities.NotifyInput) error {
		f.notices = append(f.notices, in)
		return nil
	})
	on(act.RecordObjection, func(context.Context, activities.RecordObjectionInput) error { return nil })
	on(act.FileObjection, func(context.Context, activities.FileObjectionInput) error { return nil })
	on(act.AnswerObjection, func(context.Context, activities.AnswerObjectionInput) error { return nil })
	on(act.AwardCall, func(_ context.Context, in activities.AwardInput) ([]domain.Award, error) {
		for _, r := range in.Results {
			if r.Recommended {
				f.awarded = append(f.awarded, r)
			}
		}
		return nil, nil
	})
	on(act.RecordRecusalRequest, func(context.Context, activities.RecusalRequestInput) error { return nil })
	on(act.DecideRecusal, func(context.Context, activities.DecideRecusalInput) error { return nil })
	on(act.CancelBids, func(context.Context, activities.CancelCallInput) error {
		f.cancels++
		return nil
	})
	return f
}

// outcome is what became of an update.
type outcome struct {
	name     string
	rejected error
	err      error
	result   any
	done     bool
}

// update sends an update at delay after the start.
func (f *fixture) update(delay time.Duration, name string, args ...any) *outcome {
	return scheduleUpdate(f.env, &f.updates, delay, name, args...)
}

// scheduleUpdate sends an update (with an ID of its own) at delay after the
// start and records its outcome.
func scheduleUpdate(env *testsuite.TestWorkflowEnvironment, n *int, delay time.Duration, name string, args ...any) *outcome {
	*n++
	o := scheduleUpdateWithID(env, delay, name, fmt.Sprintf("%s-%d", name, *n), args...)
	o.name = name
	return o
}

func (f *fixture) state() CallState {
	v, err := f.env.QueryWorkflow(QueryState)
	if err != nil {
		f.t.Fatal(err)
	}
	var st CallState
	if err := v.Get(&st); err != nil {
		f.t.Fatal(err)
	}
	return st
}

// at runs fn at delay after the start (to read state mid-way).
func (f *fixture) at(delay time.Duration, fn func()) { f.env.RegisterDelayedCallback(fn, delay) }

func (f *fixture) run() {
	f.env.ExecuteWorkflow(CallWorkflow, testInput())
	if !f.env.IsWorkflowCompleted() {
		f.t.Fatal("workflow did not complete")
	}
	if err := f.env.GetWorkflowError(); err != nil {
		f.t.Fatalf("workflow error: %v", err)
	}
}

func ok(t *testing.T, os ...*outcome) {
	t.Helper()
	for _, o := range os {
		if !o.done || o.rejected != nil || o.err != nil {
			t.Fatalf("%s: done=%v rejected=%v err=%v", o.name, o.done, o.rejected, o.err)
		}
	}
}

func refused(t *testing.T, o *outcome, code domain.Code, says string) {
	t.Helper()
	if o.rejected == nil {
		t.Fatalf("%s: not refused (done=%v err=%v)", o.name, o.done, o.err)
	}
	de := DomainError(o.rejected)
	if domain.ErrorCode(de) != code || !strings.Contains(domain.ErrorMessage(de), says) {
		t.Fatalf("%s: refused with %v, want %s saying %q", o.name, o.rejected, code, says)
	}
}

func bid(org int64) BidRequest {
	parts := []domain.SealedPart{}
	for _, p := range []string{"technical", "budget", "price", "team"} {
		parts = append(parts, domain.SealedPart{PartDigest: domain.PartDigest{Part: p, SHA256: strings.Repeat("a", 64)}, ObjectKey: p})
	}
	return BidRequest{Actor: bidder(org), Bid: domain.Bid{ID: fmt.Sprintf("bid-%d", org), OrgID: org, Parts: parts}}
}

// publish drafts, submits and approves publication: bidding opens at 2h with
// the deadline at 2h + 30 days.
func (f *fixture) publish() {
	f.update(time.Minute, UpdateAwaitDraft)
	ok := f.update(time.Hour, UpdateSubmit, SubmitRequest{Actor: civilAffairs})
	pub := f.update(2*time.Hour, UpdateReviewPublish, DecisionRequest{Actor: civilAffairs2, Approve: true})
	f.t.Cleanup(func() {
		if !ok.done || ok.rejected != nil || !pub.done || pub.rejected != nil || pub.err != nil {
			f.t.Errorf("publication failed: submit %+v, publish %+v", ok, pub)
		}
	})
}

const deadline = 2*time.Hour + 30*day

// bidAll has organisations 1–3 bid on day 2.
func (f *fixture) bidAll(orgs ...int64) {
	if len(orgs) == 0 {
		orgs = []int64{1, 2, 3}
	}
	for _, org := range orgs {
		f.update(2*day, UpdateSubmitBid, bid(org))
	}
}

func qualifyAll(orgs ...int64) QualifyRequest {
	q := QualifyRequest{Actor: civilAffairs}
	for _, o := range orgs {
		q.Decisions = append(q.Decisions, domain.Qualification{BidID: fmt.Sprintf("bid-%d", o), Qualified: true})
	}
	return q
}

// points gives an expert's points for the default rubric at a share v.
func points(v float64) []float64 {
	return []float64{float64(int(25*v*2)) / 2, float64(int(25*v*2)) / 2, float64(int(20*v*2)) / 2, float64(int(10*v*2)) / 2, float64(int(10*v*2)) / 2, 0}
}

// declareAndScore has experts first..first+4 declare at d and score every
// bid at d+1 day (bid-1 best).
func (f *fixture) declareAndScore(d time.Duration, first int64, orgs ...int64) {
	for e := first; e < first+5; e++ {
		f.update(d, UpdateDeclare, DeclareRequest{Actor: expert(e)})
	}
	f.scoreAll(d+day, first, orgs...)
}

func (f *fixture) scoreAll(d time.Duration, first int64, orgs ...int64) {
	for e := first; e < first+5; e++ {
		for _, org := range orgs {
			v := 0.7
			if org == 1 {
				v = 0.9
			}
			f.update(d, UpdateScore, ScoreRequest{Actor: expert(e), BidID: fmt.Sprintf("bid-%d", org), Points: points(v), Comment: "方案完整，团队经验充分，预算合理。"})
		}
	}
}

func stagesWere(t *testing.T, got []domain.CallStage, want ...domain.CallStage) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("stages = %v\nwant     %v", got, want)
	}
}

var normalStages = []domain.CallStage{domain.StagePublishReview, domain.StageBidding, domain.StageQualification, domain.StagePanel,
	domain.StageScoring, domain.StageCivilApproval, domain.StageFinanceApproval, domain.StagePublicity, domain.StageAwarded}

func TestCallNormalAward(t *testing.T) {
	f := newFixture(t)
	// the long activities heartbeat: a worker lost mid-opening costs
	// LongHeartbeat, not their five-minute attempt (the fault-injection
	// round found calls stuck for five minutes after a worker was killed)
	beats := map[string]time.Duration{}
	f.env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		f.mu.Lock()
		defer f.mu.Unlock()
		if info.StartToCloseTimeout > time.Minute {
			beats[info.ActivityType.Name] = info.HeartbeatTimeout
		}
	})
	defer func() {
		for _, name := range []string{"OpenBids", "AwardCall"} {
			if d, ok := beats[name]; !ok || d != LongHeartbeat {
				t.Errorf("%s ran with heartbeat timeout %s (seen %v), want %s", name, d, ok, LongHeartbeat)
			}
		}
	}()
	f.publish()
	f.bidAll()
	// Organisation 2 replaces its bid, organisation 4 bids and withdraws.
	replace := f.update(3*day, UpdateSubmitBid, bid(2))
	f.update(3*day, UpdateSubmitBid, bid(4))
	withdraw := f.update(4*day, UpdateWithdrawBid, WithdrawRequest{Actor: bidder(4)})
	f.at(deadline-time.Minute, func() {
		if !f.openedAt.IsZero() {
			t.Error("opened before the deadline")
		}
	})
	q := f.update(deadline+day, UpdateQualify, qualifyAll(1, 2, 3))
	f.declareAndScore(deadline+2*day, 101, 1, 2, 3)
	f.at(deadline+2*day+time.Hour, func() {
		if st := f.state(); st.Stage != domain.StageScoring || len(st.Panel) != 5 {
			t.Errorf("after declarations: %s, panel %d", st.Stage, len(st.Panel))
		}
	})
	civil := f.update(deadline+4*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: true})
	fin := f.update(deadline+5*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	f.run()
	ok(t, replace, withdraw, q, civil, fin)
	if !f.openedAt.Equal(f.start.Add(deadline)) {
		t.Errorf("opened at %s, want exactly the deadline %s", f.openedAt, f.start.Add(deadline))
	}
	stagesWere(t, f.stages, normalStages...)
	if len(f.awarded) != 1 || f.awarded[0].BidID != "bid-1" || len(f.results[0]) != 3 {
		t.Fatalf("awarded %+v from %d results", f.awarded, len(f.results[0]))
	}
	if !slices.Equal(f.draws, []int{5}) {
		t.Errorf("draws = %v", f.draws)
	}
	if !slices.Equal(f.decide, []string{"submit:true:7", "publish:true:17", "civil:true:7", "finance:true:9"}) {
		t.Errorf("decisions = %v", f.decide)
	}
}

func TestCallFailsWithTooFewBids(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll(1, 2)
	f.run()
	stagesWere(t, f.stages, domain.StagePublishReview, domain.StageBidding, domain.StageFailed)
	if !strings.Contains(f.notes[2], "流标") {
		t.Errorf("failure note = %q", f.notes[2])
	}
}

func TestCallFailsAfterQualification(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll()
	noReason := f.update(deadline+day, UpdateQualify, QualifyRequest{Actor: civilAffairs, Decisions: []domain.Qualification{
		{BidID: "bid-1", Qualified: true}, {BidID: "bid-2", Qualified: true}, {BidID: "bid-3", Qualified: false}}})
	partial := f.update(deadline+day, UpdateQualify, QualifyRequest{Actor: civilAffairs, Decisions: []domain.Qualification{
		{BidID: "bid-1", Qualified: true}}})
	q := f.update(deadline+2*day, UpdateQualify, QualifyRequest{Actor: civilAffairs, Decisions: []domain.Qualification{
		{BidID: "bid-1", Qualified: true}, {BidID: "bid-2", Qualified: true}, {BidID: "bid-3", Qualified: false, Reason: "未提供登记证书"}}})
	f.run()
	refused(t, noReason, domain.CodeInvalid, "提交的内容有误")
	refused(t, partial, domain.CodeInvalid, "提交的内容有误")
	ok(t, q)
	stagesWere(t, f.stages, domain.StagePublishReview, domain.StageBidding, domain.StageQualification, domain.StageFailed)
}

func TestCallRecusalAndReplacement(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll()
	f.update(deadline+day, UpdateQualify, qualifyAll(1, 2, 3))
	// Expert 101 declares a conflict: 106 is drawn in their place.
	recuse := f.update(deadline+2*day, UpdateDeclare, DeclareRequest{Actor: expert(101), Conflict: true, Reason: "近三年曾在投标人组织2任职"})
	noReason := f.update(deadline+2*day, UpdateDeclare, DeclareRequest{Actor: expert(102), Conflict: true})
	stranger := f.update(deadline+2*day, UpdateDeclare, DeclareRequest{Actor: expert(999)})
	earlyScore := f.update(deadline+2*day, UpdateScore, ScoreRequest{Actor: expert(102), BidID: "bid-1", Points: points(0.8), Comment: "方案完整，团队经验充分。"})
	f.declareAndScore(deadline+3*day, 102, 1, 2, 3)
	recusedScores := f.update(deadline+5*day, UpdateScore, ScoreRequest{Actor: expert(101), BidID: "bid-1", Points: points(0.8), Comment: "方案完整，团队经验充分。"})
	f.update(deadline+6*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: true})
	f.update(deadline+7*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	f.run()
	ok(t, recuse)
	refused(t, noReason, domain.CodeInvalid, "提交的内容有误")
	refused(t, stranger, domain.CodeForbidden, "不在本次征集的评审小组")
	refused(t, earlyScore, domain.CodeConflict, "专家抽取")
	refused(t, recusedScores, domain.CodeConflict, "待民政审批")
	if !slices.Equal(f.draws, []int{5, 1}) {
		t.Fatalf("draws = %v, want the panel then one replacement", f.draws)
	}
	stagesWere(t, f.stages, normalStages...)
}

func TestCallPanelShortWaitsForRedraw(t *testing.T) {
	f := newFixture(t)
	f.noExpert = true
	f.publish()
	f.bidAll()
	f.update(deadline+day, UpdateQualify, qualifyAll(1, 2, 3))
	f.at(deadline+2*day, func() {
		if st := f.state(); st.PanelShort == "" {
			t.Error("a short pool is not shown")
		}
		f.noExpert = false
	})
	redraw := f.update(deadline+3*day, UpdateRedrawPanel, RedrawRequest{Actor: civilAffairs})
	f.update(deadline+4*day, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.run()
	ok(t, redraw)
	if !slices.Equal(f.draws, []int{5, 5}) {
		t.Fatalf("draws = %v", f.draws)
	}
	if !slices.ContainsFunc(f.notices, func(n activities.NotifyInput) bool { return n.Kind == "panel.short" }) {
		t.Error("civil affairs was not told the pool is short")
	}
}

func TestCallApprovalRejectionsAndSeparation(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll()
	f.update(deadline+day, UpdateQualify, qualifyAll(1, 2, 3))
	f.declareAndScore(deadline+2*day, 101, 1, 2, 3)
	wrongRole := f.update(deadline+4*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	noReason := f.update(deadline+4*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: false})
	bidderApproves := f.update(deadline+4*day, UpdateApprove, DecisionRequest{Actor: bidder(1), Approve: true})
	// Civil affairs returns the result to the panel; the panel re-scores.
	civilNo := f.update(deadline+5*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: false, Reason: "专家5对组织1的评分偏离过大，请复核"})
	f.scoreAll(deadline+6*day, 101, 1, 2, 3)
	// bothRoles approves as civil affairs, then may not approve as finance.
	civilYes := f.update(deadline+8*day, UpdateApprove, DecisionRequest{Actor: bothRoles, Approve: true})
	same := f.update(deadline+9*day, UpdateApprove, DecisionRequest{Actor: bothRoles, Approve: true})
	// Finance returns it to civil affairs; then both approve.
	finNo := f.update(deadline+10*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: false, Reason: "预算科目需与资金来源核对"})
	civil2 := f.update(deadline+11*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: true})
	fin2 := f.update(deadline+12*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	f.run()
	refused(t, wrongRole, domain.CodeForbidden, "民政审批评审结果")
	refused(t, noReason, domain.CodeInvalid, "提交的内容有误")
	refused(t, bidderApproves, domain.CodeForbidden, "无权")
	refused(t, same, domain.CodeForbidden, "同一人不能")
	ok(t, civilNo, civilYes, finNo, civil2, fin2)
	stagesWere(t, f.stages, domain.StagePublishReview, domain.StageBidding, domain.StageQualification, domain.StagePanel,
		domain.StageScoring, domain.StageCivilApproval, domain.StageScoring, domain.StageCivilApproval, domain.StageFinanceApproval,
		domain.StageCivilApproval, domain.StageFinanceApproval, domain.StagePublicity, domain.StageAwarded)
	if len(f.results) != 2 {
		t.Errorf("results computed %d times, want 2 (first scoring and the review)", len(f.results))
	}
}

// Two identical decisions sent at once (different request IDs): the first
// is carried out, the second is refused while the first one's activity
// runs, and afterwards, naming who decided and when; each decision is
// recorded once. Before, both passed the stage check while the first one
// recorded its decision, and both were recorded.
func TestCallDecisionsAtOnce(t *testing.T) {
	f := newFixtureWith(t, map[string]time.Duration{"RecordDecision": 30 * time.Minute})
	f.publish()
	submitToo := f.update(time.Hour+time.Minute, UpdateSubmit, SubmitRequest{Actor: civilAffairs})
	pubToo := f.update(2*time.Hour+time.Minute, UpdateReviewPublish, DecisionRequest{Actor: civilAffairs2, Approve: true})
	pubLater := f.update(4*time.Hour, UpdateReviewPublish, DecisionRequest{Actor: civilAffairs2, Approve: true})
	f.bidAll()
	f.update(deadline+day, UpdateQualify, qualifyAll(1, 2, 3))
	f.declareAndScore(deadline+2*day, 101, 1, 2, 3)
	civil := f.update(deadline+4*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: true})
	civilToo := f.update(deadline+4*day+time.Minute, UpdateApprove, DecisionRequest{Actor: civilAffairs2, Approve: true})
	civilLater := f.update(deadline+4*day+2*time.Hour, UpdateApprove, DecisionRequest{Actor: civilAffairs2, Approve: true})
	fin := f.update(deadline+5*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	finToo := f.update(deadline+5*day+time.Minute, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	finLater := f.update(deadline+5*day+2*time.Hour, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	f.run()
	ok(t, civil, fin)
	refused(t, submitToo, domain.CodeConflict, "发布审核申请已由 民政甲 于")
	refused(t, pubToo, domain.CodeConflict, "发布审核意见已由 民政乙 于")
	refused(t, pubToo, domain.CodeConflict, "正在办理")
	refused(t, pubLater, domain.CodeConflict, "发布审核已由 民政乙 于")
	refused(t, civilToo, domain.CodeConflict, "民政审批意见已由 民政甲 于")
	refused(t, civilLater, domain.CodeConflict, "民政审批已由 民政甲 于")
	refused(t, civilLater, domain.CodeConflict, "（同意）")
	refused(t, finToo, domain.CodeConflict, "财政审批意见已由 财政 于")
	refused(t, finLater, domain.CodeConflict, "财政审批已由 财政 于")
	want := []string{"submit:true:7", "publish:true:17", "civil:true:7", "finance:true:9"}
	if !slices.Equal(f.decide, want) {
		t.Errorf("decisions recorded: %v, want %v", f.decide, want)
	}
	stagesWere(t, f.stages, normalStages...)
}

// toPublicity runs a call to publicity: finance approves at deadline+5 days;
// publicity runs 5 (fake) working days.
func toPublicity(f *fixture) {
	f.publish()
	f.bidAll()
	f.update(deadline+day, UpdateQualify, qualifyAll(1, 2, 3))
	f.declareAndScore(deadline+2*day, 101, 1, 2, 3)
	f.update(deadline+4*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: true})
	f.update(deadline+5*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
}

// objection is organisation 2's objection (a bidder: its row is written by
// the service; the update carries its ID).
func objection(id string) ObjectionRequest {
	return ObjectionRequest{Actor: bidder(2), ID: id}
}

func TestCallObjectionRejected(t *testing.T) {
	f := newFixture(t)
	toPublicity(f)
	o := f.update(deadline+6*day, UpdateObject, objection("o1"))
	bad := f.update(deadline+6*day, UpdateObject, ObjectionRequest{Actor: bidder(3)})
	// Only suppliers who took part may object (政府采购法 §52), once per result.
	anon := f.update(deadline+6*day, UpdateObject, ObjectionRequest{Actor: public, ID: "p1"})
	outsider := f.update(deadline+6*day, UpdateObject, ObjectionRequest{Actor: bidder(4), ID: "p2"})
	again := f.update(deadline+6*day+time.Hour, UpdateObject, objection("o1b"))
	// Organisation 3's two objections at the same moment: one is filed.
	twins := []*outcome{f.update(deadline+6*day, UpdateObject, ObjectionRequest{Actor: bidder(3), ID: "t1"}),
		f.update(deadline+6*day, UpdateObject, ObjectionRequest{Actor: bidder(3), ID: "t2"})}
	f.update(deadline+7*day, UpdateAnswerObjection, AnswerRequest{Actor: civilAffairs, ObjectionID: "t1", Answer: "经核查，证书真实有效，质疑不成立。"})
	f.update(deadline+7*day, UpdateAnswerObjection, AnswerRequest{Actor: civilAffairs, ObjectionID: "t2", Answer: "经核查，证书真实有效，质疑不成立。"})
	wrongAnswerer := f.update(deadline+7*day, UpdateAnswerObjection, AnswerRequest{Actor: financeActor, ObjectionID: "o1", Answer: "经核查，证书真实有效，质疑不成立。"})
	// The publicity period ends on deadline+10 days; the open objection
	// (reply due deadline+13 days, reminded a day before) holds the award
	// until it is answered.
	f.at(deadline+11*day, func() {
		if st := f.state(); st.Stage != domain.StagePublicity {
			t.Errorf("award not held by the open objection: %s", st.Stage)
		}
	})
	answer := f.update(deadline+13*day, UpdateAnswerObjection, AnswerRequest{Actor: civilAffairs, ObjectionID: "o1", Answer: "经核查，证书真实有效，质疑不成立。"})
	late := f.update(deadline+13*day+time.Hour, UpdateObject, objection("o3"))
	f.run()
	ok(t, o, answer)
	refused(t, bad, domain.CodeInvalid, "缺少编号")
	refused(t, anon, domain.CodeForbidden, "只有参加本次投标的供应商")
	refused(t, outsider, domain.CodeForbidden, "只有参加本次投标的供应商")
	refused(t, again, domain.CodeConflict, "已对本次评审结果提出过质疑")
	filed := 0
	for _, o := range twins {
		if o.done && o.rejected == nil && o.err == nil {
			filed++
		}
	}
	if filed != 1 {
		t.Errorf("%d of two simultaneous objections by one supplier were filed", filed)
	}
	refused(t, wrongAnswerer, domain.CodeForbidden, "答复质疑")
	if late.rejected == nil && late.err == nil && late.done {
		t.Error("an objection after the window was accepted")
	}
	stagesWere(t, f.stages, normalStages...)
	if !slices.ContainsFunc(f.notices, func(n activities.NotifyInput) bool { return strings.HasPrefix(n.Kind, "objection.") }) {
		t.Error("no reminder to answer the objection")
	}
}

func TestCallObjectionUpheld(t *testing.T) {
	f := newFixture(t)
	toPublicity(f)
	f.update(deadline+6*day, UpdateObject, objection("o1"))
	noReturn := f.update(deadline+7*day, UpdateAnswerObjection, AnswerRequest{Actor: civilAffairs, ObjectionID: "o1", Upheld: true, Answer: "质疑成立，组织1的资质证书已过期。"})
	upheld := f.update(deadline+7*day+time.Hour, UpdateAnswerObjection, AnswerRequest{Actor: civilAffairs, ObjectionID: "o1", Upheld: true,
		Answer: "质疑成立，组织1的资质证书已过期，退回资格审查。", ReturnTo: domain.StageQualification})
	// Re-qualification without organisation 1 leaves two valid bids: with
	// a minimum of three, the call fails.
	requal := f.update(deadline+8*day, UpdateQualify, QualifyRequest{Actor: civilAffairs, Decisions: []domain.Qualification{
		{BidID: "bid-1", Qualified: false, Reason: "资质证书已过期"}, {BidID: "bid-2", Qualified: true}, {BidID: "bid-3", Qualified: true}}})
	f.run()
	refused(t, noReturn, domain.CodeInvalid, "提交的内容有误")
	ok(t, upheld, requal)
	stagesWere(t, f.stages, domain.StagePublishReview, domain.StageBidding, domain.StageQualification, domain.StagePanel,
		domain.StageScoring, domain.StageCivilApproval, domain.StageFinanceApproval, domain.StagePublicity,
		domain.StageQualification, domain.StageFailed)
}

func TestCallObjectionUpheldRescored(t *testing.T) {
	f := newFixture(t)
	f.prices[4] = 170000_00
	f.publish()
	f.bidAll(1, 2, 3, 4)
	f.update(deadline+day, UpdateQualify, qualifyAll(1, 2, 3, 4))
	f.declareAndScore(deadline+2*day, 101, 1, 2, 3, 4)
	f.update(deadline+4*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: true})
	f.update(deadline+5*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	f.update(deadline+6*day, UpdateObject, objection("o1"))
	f.update(deadline+7*day, UpdateAnswerObjection, AnswerRequest{Actor: civilAffairs, ObjectionID: "o1", Upheld: true,
		Answer: "质疑成立，评分有误，退回专家评审。", ReturnTo: domain.StageScoring})
	// The same panel scores again; organisation 4 comes out first now.
	for e := int64(101); e < 106; e++ {
		for _, org := range []int64{1, 2, 3, 4} {
			v := 0.7
			if org == 4 {
				v = 0.95
			}
			f.update(deadline+8*day, UpdateScore, ScoreRequest{Actor: expert(e), BidID: fmt.Sprintf("bid-%d", org), Points: points(v), Comment: "复核后重新评分，依据质疑答复。"})
		}
	}
	f.update(deadline+9*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: true})
	f.update(deadline+10*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	f.run()
	if len(f.awarded) != 1 || f.awarded[0].BidID != "bid-4" {
		t.Fatalf("awarded %+v, want bid-4 after re-scoring", f.awarded)
	}
	if len(f.draws) != 1 {
		t.Errorf("the panel was drawn again: %v", f.draws)
	}
}

func TestCallLateBidRefused(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll()
	atDeadline := f.update(deadline, UpdateSubmitBid, bid(4))
	after := f.update(deadline+time.Hour, UpdateSubmitBid, bid(4))
	withdraw := f.update(deadline+time.Hour, UpdateWithdrawBid, WithdrawRequest{Actor: bidder(1)})
	beforePublish := f.update(30*time.Minute, UpdateSubmitBid, bid(4))
	otherOrg := f.update(3*day, UpdateSubmitBid, BidRequest{Actor: bidder(5), Bid: bid(4).Bid})
	f.update(deadline+2*day, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.run()
	refused(t, atDeadline, domain.CodeConflict, "截止")
	refused(t, after, domain.CodeConflict, "截止")
	refused(t, withdraw, domain.CodeConflict, "截止")
	refused(t, beforePublish, domain.CodeConflict, "征集中")
	refused(t, otherOrg, domain.CodeInvalid, "不完整")
	if len(f.bids) != 3 {
		t.Fatalf("bids recorded: %d", len(f.bids))
	}
}

// A material clarification accepted just before the deadline whose
// activity finished during the opening used to move the deadline: bids
// were then accepted that the opening had already passed by, and never
// opened. From the opening's start nothing moves the deadline and no bid,
// replacement or withdrawal is accepted.
func TestCallBidDuringOpeningRefused(t *testing.T) {
	f := newFixtureSlow(t, 2*time.Hour, time.Hour)
	f.publish()
	f.bidAll()
	material := f.update(deadline-10*time.Minute, UpdateClarify, ClarifyRequest{Actor: civilAffairs, ID: "c9", Title: "修改服务内容",
		Body: "增加应急救护（心肺复苏）模块，不少于 4 学时。", Material: true})
	during := f.update(deadline+time.Hour, UpdateSubmitBid, bid(4))
	withdraw := f.update(deadline+time.Hour, UpdateWithdrawBid, WithdrawRequest{Actor: bidder(1)})
	clarify := f.update(deadline+time.Hour, UpdateClarify, ClarifyRequest{Actor: civilAffairs, ID: "c10", Title: "再次修改",
		Body: "培训场地由社区提供，无需另行租赁。", Material: true})
	f.update(deadline+2*day, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.run()
	ok(t, material)
	refused(t, during, domain.CodeConflict, "截止")
	refused(t, withdraw, domain.CodeConflict, "截止")
	refused(t, clarify, domain.CodeConflict, "截止")
	if want := f.start.Add(deadline + 2*time.Hour); !f.openedAt.Equal(want) { // the opening takes 2 hours here
		t.Errorf("opening done at %s, want %s", f.openedAt, want)
	}
	if len(f.bids) != 3 {
		t.Errorf("bids recorded: %d, want the 3 sent before the deadline", len(f.bids))
	}
}

func TestCallClarificationMovesDeadline(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll()
	// 25 days in, 5 days before the deadline: a material clarification
	// moves it to 15 days from then; a minor one does not.
	minor := f.update(20*day, UpdateClarify, ClarifyRequest{Actor: civilAffairs, ID: "c1", Title: "答疑一", Body: "培训场地由社区提供，无需另行租赁。"})
	material := f.update(25*day, UpdateClarify, ClarifyRequest{Actor: civilAffairs, ID: "c2", Title: "修改服务内容", Body: "增加应急救护（心肺复苏）模块，不少于 4 学时。", Material: true})
	wrong := f.update(25*day, UpdateClarify, ClarifyRequest{Actor: otherDistrict, ID: "c3", Title: "越权", Body: "其他区民政不能发布本区的澄清。"})
	// Under the old deadline this would be late; now it is in time.
	lateButMoved := f.update(deadline+time.Hour, UpdateSubmitBid, bid(4))
	f.update(41*day, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.run()
	ok(t, minor, material, lateButMoved)
	refused(t, wrong, domain.CodeForbidden, "南开区")
	if want := f.start.Add(40 * day); !f.openedAt.Equal(want) {
		t.Fatalf("opened at %s, want the moved deadline %s", f.openedAt, want)
	}
	if len(f.renders) < 3 {
		t.Errorf("the notice was not re-rendered for the new deadline: %v", f.renders)
	}
}

func TestCallCancelBeforeOpening(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll()
	wrongRole := f.update(3*day, UpdateCancel, CancelRequest{Actor: financeActor, Reason: "财政不能撤销"})
	cancel := f.update(5*day, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "上级政策调整，本年度暂停"})
	again := f.update(6*day, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "再次撤销"})
	f.run()
	ok(t, cancel)
	refused(t, wrongRole, domain.CodeForbidden, "撤销征集")
	if again.done && again.rejected == nil && again.err == nil {
		t.Error("a cancelled call was cancelled again")
	}
	if f.cancels != 1 || !f.openedAt.IsZero() {
		t.Fatalf("cancels=%d opened=%v: sealed bids must be discarded unopened", f.cancels, f.openedAt)
	}
	stagesWere(t, f.stages, domain.StagePublishReview, domain.StageBidding, domain.StageCancelled)
}

func TestCallDraftAttachCancel(t *testing.T) {
	f := newFixture(t)
	draft := f.update(time.Second, UpdateAwaitDraft)
	attach := f.update(time.Minute, UpdateAttachDocument, AttachDocumentRequest{Actor: civilAffairs, Attachment: attachment()})
	f.at(30*time.Minute, func() {
		if st := f.state(); st.Stage != domain.StageDraft || st.Number != "ZJ2026-000001" || st.NoticeRevision != 2 {
			t.Errorf("state after attach = %+v", st)
		}
	})
	cancel := f.update(time.Hour, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "预算调整，本年度暂停征集"})
	f.run()
	ok(t, draft, attach, cancel)
	if len(f.attached) != 1 || f.attached[0].CallID != testInput().CallID || f.attached[0].UploadedBy != civilAffairs.UserID {
		t.Fatalf("attachment recorded as %+v", f.attached)
	}
	if !slices.Equal(f.renders, []int{1, 2}) {
		t.Fatalf("notice renders = %v, want [1 2]", f.renders)
	}
	stagesWere(t, f.stages, domain.StageCancelled)
}

func TestCallPublicationReview(t *testing.T) {
	f := newFixture(t)
	f.update(time.Minute, UpdateAwaitDraft)
	early := f.update(30*time.Minute, UpdateReviewPublish, DecisionRequest{Actor: civilAffairs2, Approve: true})
	submit := f.update(time.Hour, UpdateSubmit, SubmitRequest{Actor: civilAffairs})
	self := f.update(2*time.Hour, UpdateReviewPublish, DecisionRequest{Actor: civilAffairs, Approve: true})
	reject := f.update(3*time.Hour, UpdateReviewPublish, DecisionRequest{Actor: civilAffairs2, Approve: false, Reason: "评分标准缺少绩效目标的量化因素"})
	resubmit := f.update(4*time.Hour, UpdateSubmit, SubmitRequest{Actor: civilAffairs})
	approve := f.update(5*time.Hour, UpdateReviewPublish, DecisionRequest{Actor: civilAffairs2, Approve: true})
	f.update(6*time.Hour, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.run()
	refused(t, early, domain.CodeConflict, "待审核发布")
	refused(t, self, domain.CodeForbidden, "同一人")
	ok(t, submit, reject, resubmit, approve)
	stagesWere(t, f.stages, domain.StagePublishReview, domain.StageDraft, domain.StagePublishReview, domain.StageBidding, domain.StageCancelled)
	if !strings.Contains(f.notes[1], "评分标准缺少") {
		t.Errorf("rejection reason not kept: %q", f.notes[1])
	}
}

func TestCallModeChangeNeedsFinance(t *testing.T) {
	f := newFixture(t)
	in := testInput()
	in.Draft.ModeChanged = true
	in.Draft.ReissueOf = "11111111-2222-3333-4444-555555555555"
	f.update(time.Minute, UpdateAwaitDraft)
	f.update(time.Hour, UpdateSubmit, SubmitRequest{Actor: civilAffairs})
	civil := f.update(2*time.Hour, UpdateReviewPublish, DecisionRequest{Actor: civilAffairs2, Approve: true})
	fin := f.update(3*time.Hour, UpdateReviewPublish, DecisionRequest{Actor: financeActor, Approve: true})
	f.update(4*time.Hour, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.env.ExecuteWorkflow(CallWorkflow, in)
	refused(t, civil, domain.CodeForbidden, "变更采购方式")
	ok(t, fin)
}

func TestCallScoringRemindsAndFlagsOverdue(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll()
	f.update(deadline+day, UpdateQualify, qualifyAll(1, 2, 3))
	for e := int64(101); e < 106; e++ {
		f.update(deadline+2*day, UpdateDeclare, DeclareRequest{Actor: expert(e)})
	}
	// Nobody scores for five days (two are allowed).
	f.update(deadline+7*day, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.run()
	kinds := map[string]int{}
	for _, n := range f.notices {
		kinds[n.Kind]++
	}
	if kinds["scoring.soon"] != 6 || kinds["scoring.overdue"] != 6 {
		t.Fatalf("reminders = %v, want 6 soon and 6 overdue (5 experts and civil affairs)", kinds)
	}
}

func attachment() domain.Attachment {
	return domain.Attachment{ID: "a1", FileName: "需求说明.pdf", ContentType: "application/pdf", Size: 10,
		SHA256: "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ObjectKey: "calls/x/a1"}
}

func TestCallUpdatesRefusedByValidators(t *testing.T) {
	f := newFixture(t)
	wrongRole := f.update(time.Second, UpdateCancel, CancelRequest{Actor: financeActor, Reason: "财政不能撤销"})
	wrongDistrict := f.update(2*time.Second, UpdateAttachDocument, AttachDocumentRequest{Actor: otherDistrict, Attachment: attachment()})
	noReason := f.update(3*time.Second, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "  "})
	badAttachment := f.update(4*time.Second, UpdateAttachDocument, AttachDocumentRequest{Actor: civilAffairs, Attachment: domain.Attachment{ID: "x"}})
	f.update(time.Minute, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.run()
	refused(t, wrongRole, domain.CodeForbidden, "")
	refused(t, wrongDistrict, domain.CodeForbidden, "")
	refused(t, noReason, domain.CodeInvalid, "")
	refused(t, badAttachment, domain.CodeInvalid, "")
	if len(f.attached) != 0 || len(f.stages) != 1 {
		t.Fatalf("a refused update wrote: %+v %v", f.attached, f.stages)
	}
}

func TestCallInvalidDraftFailsAwaitDraft(t *testing.T) {
	f := &fixture{t: t}
	f.env = f.NewTestWorkflowEnvironment()
	f.env.RegisterActivity(act)
	f.env.OnActivity(act.CreateDraftCall, mock.Anything, mock.Anything).Return(domain.Call{},
		temporal.NewNonRetryableApplicationError("提交的内容有误", string(domain.CodeInvalid), nil))
	draft := f.update(0, UpdateAwaitDraft)
	f.env.ExecuteWorkflow(CallWorkflow, testInput())
	if f.env.GetWorkflowError() == nil {
		t.Fatal("workflow should fail when the draft cannot be created")
	}
	if !draft.done || domain.ErrorCode(DomainError(draft.err)) != domain.CodeInvalid {
		t.Fatalf("await-draft should report the invalid draft: %+v", draft)
	}
}

func TestCallBidderRecusalRequest(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll()
	f.update(deadline+day, UpdateQualify, qualifyAll(1, 2, 3))
	early := f.update(deadline+time.Hour, UpdateRequestRecusal, RecusalRequest{Actor: bidder(2), ID: "q0", Reason: "专家3曾任本单位竞争对手的理事，存在利害关系。"})
	d := deadline + 2*day
	for e := int64(101); e < 106; e++ {
		f.update(d, UpdateDeclare, DeclareRequest{Actor: expert(e)})
	}
	// Expert 103 scores once before the request; that score must not count.
	f.update(d+30*time.Minute, UpdateScore, ScoreRequest{Actor: expert(103), BidID: "bid-1", Points: points(0.1), Comment: "该专家的评分将因回避作废。"})
	outsider := f.update(d+time.Hour, UpdateRequestRecusal, RecusalRequest{Actor: bidder(4), ID: "q1", Reason: "我单位未投标但认为专家有问题。"})
	req := f.update(d+time.Hour, UpdateRequestRecusal, RecusalRequest{Actor: bidder(2), ID: "q2", Reason: "专家3曾任组织1的理事，存在利害关系。"})
	noSeat := f.update(d+90*time.Minute, UpdateDecideRecusal, RecusalDecision{Actor: civilAffairs, RequestID: "q2", Upheld: true, Seat: 9, Answer: "经核实，情况属实。"})
	decide := f.update(d+2*time.Hour, UpdateDecideRecusal, RecusalDecision{Actor: civilAffairs, RequestID: "q2", Upheld: true, Seat: 3, Answer: "经核实，情况属实。"})
	// The replacement (106) declares; the panel scores.
	f.update(d+3*time.Hour, UpdateDeclare, DeclareRequest{Actor: expert(106)})
	for _, e := range []int64{101, 102, 104, 105, 106} {
		for _, org := range []int64{1, 2, 3} {
			f.update(d+4*time.Hour, UpdateScore, ScoreRequest{Actor: expert(e), BidID: fmt.Sprintf("bid-%d", org), Points: points(0.8), Comment: "方案可行，团队经验充分。"})
		}
	}
	f.update(d+2*day, UpdateApprove, DecisionRequest{Actor: civilAffairs, Approve: true})
	f.update(d+3*day, UpdateApprove, DecisionRequest{Actor: financeActor, Approve: true})
	f.run()
	refused(t, early, domain.CodeConflict, "资格审查")
	refused(t, outsider, domain.CodeForbidden, "参加评审的投标人")
	refused(t, noSeat, domain.CodeInvalid, "提交的内容有误")
	ok(t, req, decide)
	if !slices.Equal(f.draws, []int{5, 1}) {
		t.Fatalf("draws = %v", f.draws)
	}
	stagesWere(t, f.stages, domain.StagePublishReview, domain.StageBidding, domain.StageQualification, domain.StagePanel,
		domain.StageScoring, domain.StagePanel, domain.StageScoring, domain.StageCivilApproval, domain.StageFinanceApproval,
		domain.StagePublicity, domain.StageAwarded)
	for _, e := range f.results[0][0].Experts {
		if e.Expert == 103 {
			t.Fatal("the recused expert's scores still count")
		}
	}
}

func TestCallComplaintToFinance(t *testing.T) {
	f := newFixture(t)
	toPublicity(f)
	f.update(deadline+6*day, UpdateObject, objection("o1"))
	f.update(deadline+7*day, UpdateAnswerObjection, AnswerRequest{Actor: civilAffairs, ObjectionID: "o1", Answer: "经核查，证书真实有效，质疑不成立。"})
	complaint := objection("c1")
	complaint.ComplaintOf = "o1"
	bogus := objection("c0")
	bogus.ComplaintOf = "nope"
	noComplaint := f.update(deadline+7*day+time.Hour, UpdateObject, bogus)
	// Only the objector complains about the answer to its objection (§55), once.
	otherBidder := complaint
	otherBidder.Actor, otherBidder.ID = bidder(3), "c2"
	notObjector := f.update(deadline+7*day+2*time.Hour, UpdateObject, otherBidder)
	filed := f.update(deadline+8*day, UpdateObject, complaint)
	second := complaint
	second.ID = "c3"
	again := f.update(deadline+8*day+time.Hour, UpdateObject, second)
	civilAnswers := f.update(deadline+9*day, UpdateAnswerObjection, AnswerRequest{Actor: civilAffairs, ObjectionID: "c1", Answer: "民政不能处理投诉。"})
	// The complaint holds the award past the publicity period until finance decides.
	f.at(deadline+15*day, func() {
		if st := f.state(); st.Stage != domain.StagePublicity {
			t.Errorf("the pending complaint did not hold the award: %s", st.Stage)
		}
	})
	decided := f.update(deadline+20*day, UpdateAnswerObjection, AnswerRequest{Actor: financeActor, ObjectionID: "c1", Answer: "经调查，投诉缺乏事实依据，予以驳回。"})
	f.run()
	refused(t, noComplaint, domain.CodeConflict, "只能对已答复")
	refused(t, notObjector, domain.CodeForbidden, "只有提出该质疑的供应商")
	refused(t, again, domain.CodeConflict, "已就该质疑答复提出过投诉")
	refused(t, civilAnswers, domain.CodeForbidden, "财政")
	ok(t, filed, decided)
	stagesWere(t, f.stages, normalStages...)
}

// runUntilContinued runs the workflow from in and returns the input it
// continued as new with.
func (f *fixture) runUntilContinued(in CallInput) CallInput {
	f.t.Helper()
	f.env.ExecuteWorkflow(CallWorkflow, in)
	if !f.env.IsWorkflowCompleted() {
		f.t.Fatal("workflow did not complete")
	}
	var can *workflow.ContinueAsNewError
	if err := f.env.GetWorkflowError(); !errors.As(err, &can) {
		f.t.Fatalf("workflow ended with %v, want continue-as-new", err)
	}
	var next CallInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		f.t.Fatal(err)
	}
	if next.Resume == nil {
		f.t.Fatal("continued without its state")
	}
	return next
}

// next is a fresh test environment for the run that continues f's, at the
// time f's ended, in the same fake world.
func (f *fixture) next() *fixture {
	g := newFixture(f.t)
	g.env.SetStartTime(f.env.Now())
	g.bids, g.prices, g.start, g.nextExp = f.bids, f.prices, f.start, f.nextExp
	return g
}

func TestCallContinuesAsNewInBidding(t *testing.T) {
	f := newFixture(t)
	f.publish()
	f.bidAll()
	// On day 5 the server suggests continuing as new.
	f.at(5*day, func() { f.env.SetContinueAsNewSuggested(true) })
	clar := f.update(5*day-time.Hour, UpdateClarify, ClarifyRequest{Actor: civilAffairs, ID: "c1", Title: "补充说明",
		Body: "培训场地由各社区提供，投标人无需自备。", Material: false})
	in := f.runUntilContinued(testInput())
	ok(t, clar)
	rs := in.Resume
	if rs.State.Stage != domain.StageBidding || len(rs.State.Bids) != 3 || rs.State.Number != "ZJ2026-000001" ||
		!rs.State.Deadline.Equal(f.start.Add(deadline)) {
		t.Fatalf("continued with %+v", rs.State)
	}

	g := f.next()
	// The new run keeps the deadline: it opens exactly then, not 30 days
	// after the new run started; bids, panel and the rest go on.
	base := g.env.Now().Sub(f.start) // the new run's delays count from here
	late := g.update(deadline-base+time.Hour, UpdateSubmitBid, bid(5))
	g.update(time.Hour, UpdateSubmitBid, bid(4))
	g.update(deadline-base+day, UpdateQualify, qualifyAll(1, 2, 3, 4))
	g.at(deadline-base+2*time.Hour, func() {
		if st := g.state(); st.Stage != domain.StageQualification || len(st.Opened) != 4 || st.Number != "ZJ2026-000001" {
			t.Errorf("after the deadline in the new run: %s, %d opened", st.Stage, len(st.Opened))
		}
	})
	g.update(deadline-base+2*day, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	g.env.ExecuteWorkflow(CallWorkflow, in)
	if err := g.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if !g.openedAt.Equal(f.start.Add(deadline)) {
		t.Fatalf("opened at %v, want the original deadline %v", g.openedAt, f.start.Add(deadline))
	}
	if late.rejected == nil {
		t.Error("a bid after the carried deadline was accepted")
	}
	if slices.Contains(g.renders, 1) {
		t.Errorf("the new run rendered the notice from revision 1 again: %v", g.renders)
	}
}

func TestCallContinuesAsNewInPublicity(t *testing.T) {
	f := newFixture(t)
	toPublicity(f)
	f.update(deadline+6*day, UpdateObject, objection("o1"))
	f.at(deadline+6*day+time.Hour, func() { f.env.SetContinueAsNewSuggested(true) })
	in := f.runUntilContinued(testInput())
	st := in.Resume.State
	if st.Stage != domain.StagePublicity || len(st.Objections) != 1 || st.Objections[0].OrgID != 2 || !slices.Equal(st.Objected, []int64{2}) ||
		!in.Resume.InStage || st.ObjectionUntil.IsZero() {
		t.Fatalf("continued with %+v", in.Resume)
	}

	g := f.next()
	base := g.env.Now().Sub(f.start) // the new run's delays count from here
	again := g.update(time.Hour, UpdateObject, objection("o2"))
	// The open objection still holds the award past the window; the reply
	// due counts from its filing (reminded as "objection.soon" a day before
	// deadline+13 days), not from the new run.
	g.at(deadline+12*day-base, func() {
		if st := g.state(); st.Stage != domain.StagePublicity || !st.ObjectionUntil.Equal(in.Resume.State.ObjectionUntil) {
			t.Errorf("award not held after continue-as-new: %s", st.Stage)
		}
	})
	answer := g.update(deadline+13*day-base, UpdateAnswerObjection, AnswerRequest{Actor: civilAffairs, ObjectionID: "o1", Answer: "经核查，证书真实有效，质疑不成立。"})
	g.env.ExecuteWorkflow(CallWorkflow, in)
	if err := g.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	ok(t, answer)
	// Updates answer with a small acknowledgement, not the call's state.
	// Its stage is the call's once the answer is recorded: still publicity,
	// or already awarded when the award the answer released ran first (the
	// test environment's activities finish in either order).
	if ack, isAck := answer.result.(Ack); !isAck || (ack.Stage != domain.StagePublicity && ack.Stage != domain.StageAwarded) {
		t.Errorf("the answer's result is %T %+v, want a small Ack", answer.result, answer.result)
	}
	refused(t, again, domain.CodeConflict, "已对本次评审结果提出过质疑")
	if len(g.awarded) != 1 {
		t.Fatalf("awarded %+v", g.awarded)
	}
	soon := slices.IndexFunc(g.notices, func(n activities.NotifyInput) bool { return n.Kind == "objection.soon" })
	if soon < 0 || !strings.Contains(g.notices[soon].Dedup, fmt.Sprint(f.start.Add(deadline+13*day).Unix())) {
		t.Errorf("reply due moved in the new run: %+v", g.notices)
	}
	// The new run did not start the publicity over (no second SetCallTimes
	// means no new window): it went straight on to the award.
	stagesWere(t, g.stages, domain.StageAwarded)
}

func TestCallHistoryLimitContinuesAsNew(t *testing.T) {
	f := newFixture(t)
	f.publish()
	in := testInput()
	in.HistoryLimit = 100
	f.update(2*day, UpdateSubmitBid, bid(1))
	f.at(3*day, func() { f.env.SetCurrentHistoryLength(100) })
	next := f.runUntilContinued(in)
	if next.HistoryLimit != 100 || next.Resume.Runs != 0 || len(next.Resume.State.Bids) != 1 {
		t.Fatalf("continued with %+v", next)
	}
}

// A request whose answer was lost and that is sent again with the same ID
// after the run continued as new gets the first answer: Temporal
// deduplicates update IDs within one run only, so the run hands on the
// answers it gave (CallResume.Handled) and the bid is not recorded again.
func TestCallRequestSentAgainAfterContinueAsNew(t *testing.T) {
	f := newFixture(t)
	f.publish()
	first := scheduleUpdateWithID(f.env, 2*day, UpdateSubmitBid, "submit-bid/lost-answer", bid(1))
	f.at(3*day, func() { f.env.SetContinueAsNewSuggested(true) })
	in := f.runUntilContinued(testInput())
	ok(t, first)
	if len(in.Resume.Handled) == 0 {
		t.Fatal("the run handed on no answers")
	}
	submitted := f.bids[1].SubmittedAt

	g := f.next()
	again := scheduleUpdateWithID(g.env, time.Hour, UpdateSubmitBid, "submit-bid/lost-answer", bid(1))
	g.update(2*time.Hour, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	g.env.ExecuteWorkflow(CallWorkflow, in)
	if err := g.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	ok(t, again)
	rc, isReceipt := again.result.(domain.Receipt)
	if !isReceipt || !rc.SubmittedAt.Equal(submitted) {
		t.Errorf("the request sent again got %T %+v, want the first receipt (submitted %s)", again.result, again.result, submitted)
	}
	if got := g.bids[1].SubmittedAt; !got.Equal(submitted) {
		t.Errorf("the bid was recorded again at %s", got)
	}
}

// A notice that cannot be rendered says so once (the activity does not
// retry) and the call can be neither submitted nor published until a later
// revision renders: a call is never published without its notice.
func TestCallNotPublishedWithoutItsNotice(t *testing.T) {
	f := newFixture(t)
	f.renderFails = 1
	f.update(time.Minute, UpdateAwaitDraft)
	f.at(10*time.Minute, func() {
		if st := f.state(); !strings.Contains(st.NoticeFailed, "无法生成") || st.NoticeSHA256 != "" {
			t.Errorf("after the failed rendering: failed %q, sha %q", st.NoticeFailed, st.NoticeSHA256)
		}
	})
	early := f.update(time.Hour, UpdateSubmit, SubmitRequest{Actor: civilAffairs})
	// An attachment changes the notice: the next revision renders.
	f.update(2*time.Hour, UpdateAttachDocument, AttachDocumentRequest{Actor: civilAffairs, Attachment: attachment()})
	later := f.update(3*time.Hour, UpdateSubmit, SubmitRequest{Actor: civilAffairs})
	pub := f.update(4*time.Hour, UpdateReviewPublish, DecisionRequest{Actor: civilAffairs2, Approve: true})
	f.update(5*time.Hour, UpdateCancel, CancelRequest{Actor: civilAffairs, Reason: "测试结束"})
	f.env.ExecuteWorkflow(CallWorkflow, testInput())
	if err := f.env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	refused(t, early, domain.CodeConflict, "征集公告尚未生成")
	ok(t, later, pub)
	if len(f.renders) < 2 || f.renders[0] != 1 || f.renders[1] != 2 {
		t.Errorf("renders %v: the failed revision was retried, or no later one rendered", f.renders)
	}
}
