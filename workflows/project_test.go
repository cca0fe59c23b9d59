package workflows

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"

	"grantflow/activities"
	"grantflow/internal/domain"
)

func projectInput(start time.Time) ProjectInput {
	return ProjectInput{AwardID: "aw-1", CallID: "call-1", OrgID: 1, District: "河西区", Amount: 260000_00, AwardedAt: start,
		Tranches: domain.DefaultTranches()}
}

func terms() domain.ContractTerms {
	return domain.ContractTerms{Deliverables: domain.Deliverables{Trainees: 300, HoursPerTrainee: 16, Sessions: 12, Modules: domain.DefaultModules},
		StartsOn: time.Date(2027, 1, 1, 0, 0, 0, 0, domain.ChinaTime), TermMonths: 12}
}

type projectFixture struct {
	testsuite.WorkflowTestSuite
	env      *testsuite.TestWorkflowEnvironment
	renders  []int
	confirms []string
	signed   time.Time
	reminds  []string
	money    []string
	updates  int
	onPay    func(activities.TrancheInput)
	eval     *evalWorld
	mu       sync.Mutex
	notes    []string // notices other than the contract's reminders
}

func newProjectFixture() *projectFixture { return newProjectFixtureSlow(0) }

// newProjectFixtureSlow is a fixture whose tranche activities take slow
// (workflow time): long enough for a second request to arrive meanwhile.
func newProjectFixtureSlow(slow time.Duration) *projectFixture {
	return newProjectFixtureIn(slow, 0, nil)
}

// newProjectFixtureIn is a fixture in the fake evaluation world w (nil: a
// new one): the run that continues another's shares its world.
// signSlow is how long signing takes (workflow time).
func newProjectFixtureIn(slow, signSlow time.Duration, w *evalWorld) *projectFixture {
	f := &projectFixture{}
	f.env = f.NewTestWorkflowEnvironment()
	f.env.RegisterActivity(act)
	on := func(fn, ret any) { f.env.OnActivity(fn, mock.Anything, mock.Anything).Return(ret) }
	on(act.CreateProject, func(context.Context, activities.CreateProjectInput) (domain.Project, error) {
		return domain.Project{}, nil
	})
	on(act.SetProjectTerms, func(context.Context, activities.SetTermsInput) error { return nil })
	on(act.RenderContract, func(_ context.Context, in activities.RenderContractInput) (activities.NoticeRef, error) {
		f.renders = append(f.renders, in.Revision)
		return activities.NoticeRef{}, nil
	})
	on(act.ConfirmContract, func(_ context.Context, in activities.ConfirmInput) error {
		f.confirms = append(f.confirms, fmt.Sprintf("%v:%d", in.Civil, in.Revision))
		return nil
	})
	f.env.OnActivity(act.SignProject, mock.Anything, mock.Anything).After(signSlow + signTakes).Return(func(context.Context, string) error {
		f.signed = f.env.Now()
		return nil
	})
	f.env.OnActivity(act.ConfirmTranche, mock.Anything, mock.Anything).After(slow).Return(func(_ context.Context, in activities.TrancheInput) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.money = append(f.money, fmt.Sprintf("confirm:%d:%d", in.Index, in.Amount))
		return nil
	})
	f.env.OnActivity(act.RecordPayment, mock.Anything, mock.Anything).After(slow).Return(func(_ context.Context, in activities.TrancheInput) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		f.money = append(f.money, fmt.Sprintf("pay:%d:%d", in.Index, in.Amount))
		if f.onPay != nil {
			f.onPay(in)
		}
		return nil
	})
	on(act.Notify, func(_ context.Context, in activities.NotifyInput) error {
		f.mu.Lock()
		defer f.mu.Unlock()
		if strings.HasPrefix(in.Kind, "contract.") {
			f.reminds = append(f.reminds, in.Text)
		} else {
			f.notes = append(f.notes, in.Kind+":"+in.Text)
		}
		return nil
	})
	f.eval = f.fakeEvaluations(w)
	return f
}

func (f *projectFixture) update(delay time.Duration, name string, args ...any) *outcome {
	return scheduleUpdate(f.env, &f.updates, delay, name, args...)
}

func (f *projectFixture) state(t *testing.T) ProjectState {
	v, err := f.env.QueryWorkflow(QueryProject)
	if err != nil {
		t.Fatal(err)
	}
	var st ProjectState
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	return st
}

func TestProjectContractSigned(t *testing.T) {
	f := newProjectFixture()
	in := projectInput(f.env.Now())
	org := bidder(1)
	early := f.update(time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: org, Revision: 0})
	orgTerms := f.update(2*time.Hour, UpdateSetTerms, TermsRequest{Actor: org, Terms: terms()})
	bad := terms()
	bad.TermMonths = 24
	badTerms := f.update(2*time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: bad})
	set1 := f.update(3*time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: terms()})
	orgOK := f.update(day, UpdateConfirmContract, ConfirmRequest{Actor: org, Revision: 1})
	// The terms change: both must confirm the second revision.
	t2 := terms()
	t2.Trainees = 320
	set2 := f.update(2*day, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: t2})
	stale := f.update(3*day, UpdateConfirmContract, ConfirmRequest{Actor: org, Revision: 1})
	other := f.update(3*day, UpdateConfirmContract, ConfirmRequest{Actor: bidder(2), Revision: 2})
	orgOK2 := f.update(4*day, UpdateConfirmContract, ConfirmRequest{Actor: org, Revision: 2})
	twice := f.update(4*day+time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: org, Revision: 2})
	civilOK := f.update(5*day, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: 2})
	f.env.RegisterDelayedCallback(func() {
		if st := f.state(t); st.Stage != domain.ProjectDelivery || st.Terms.Trainees != 320 {
			t.Errorf("after signing: %+v", st)
		}
	}, 6*day)
	f.env.ExecuteWorkflow(ProjectWorkflow, in)
	refused(t, early, domain.CodeConflict, "尚未确定")
	refused(t, orgTerms, domain.CodeForbidden, "确定合同条款")
	refused(t, badTerms, domain.CodeInvalid, "提交的内容有误")
	refused(t, stale, domain.CodeConflict, "第 2 稿")
	refused(t, other, domain.CodeForbidden, "本组织")
	refused(t, twice, domain.CodeConflict, "已确认")
	ok(t, set1, orgOK, set2, orgOK2, civilOK)
	if want := in.AwardedAt.Add(5 * day); !f.signed.Equal(want) {
		t.Errorf("signed at %s, want %s", f.signed, want)
	}
	if strings.Join(f.confirms, ",") != "false:1,false:2,true:2" {
		t.Errorf("confirmations = %v", f.confirms)
	}
	if len(f.reminds) != 0 {
		t.Errorf("reminded although signed in time: %v", f.reminds)
	}
}

// signTakes is how long (workflow time) the fixture's SignProject takes.
var signTakes time.Duration

// TestProjectTrancheWhileSigning: the database says "signed" once
// SignProject commits, before the workflow hears its activity completed (30 s
// when its worker died just then); a tranche confirmed meanwhile waits for
// the signing and succeeds, instead of being told the contract is not
// signed. (Found by the fault-injection round.)
func TestProjectTrancheWhileSigning(t *testing.T) {
	signTakes = 30 * time.Second
	defer func() { signTakes = 0 }()
	f := newProjectFixture()
	f.update(time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: terms()})
	f.update(2*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: bidder(1), Revision: 1})
	f.update(3*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: 1})
	early := f.update(time.Hour+30*time.Minute, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 0})
	during := f.update(3*time.Hour+10*time.Second, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 0})
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(f.env.Now()))
	refused(t, early, domain.CodeConflict, "合同签订后")
	ok(t, during)
	if len(f.money) != 1 || !strings.HasPrefix(f.money[0], "confirm:0:") {
		t.Errorf("money = %v", f.money)
	}
}

func TestProjectContractRemindedAndOverdue(t *testing.T) {
	f := newProjectFixture()
	f.update(time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: terms()})
	f.update(40*day, UpdateConfirmContract, ConfirmRequest{Actor: bidder(1), Revision: 1})
	f.update(41*day, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: 1})
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(f.env.Now()))
	if len(f.reminds) != 6 || !strings.Contains(f.reminds[4], "已超过 30 日") {
		t.Fatalf("reminders: %v", f.reminds)
	}
	if f.signed.IsZero() {
		t.Fatal("a late contract can still be signed")
	}
}

func TestProjectTranches(t *testing.T) {
	f := newProjectFixture()
	org := bidder(1)
	early := f.update(time.Hour, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 0})
	f.update(2*time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: terms()})
	f.update(3*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: org, Revision: 1})
	f.update(4*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: 1})
	voucher := TrancheRequest{Actor: financeActor, Index: 0, VoucherNo: "HX2027-0001", Key: "projects/aw-1/vouchers/1.pdf", SHA256: strings.Repeat("b", 64)}
	payFirst := f.update(day, UpdateRecordPayment, voucher)
	wrongRole := f.update(day, UpdateConfirmTranche, TrancheRequest{Actor: financeActor, Index: 0})
	skip := f.update(day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 2})
	confirm := f.update(2*day, UpdateConfirmTranche, TrancheRequest{Actor: bothRoles, Index: 0})
	noVoucher := f.update(3*day, UpdateRecordPayment, TrancheRequest{Actor: financeActor, Index: 0, VoucherNo: "HX2027-0001"})
	// The person who confirmed the condition may not also record the payment.
	samePerson := f.update(3*day, UpdateRecordPayment, TrancheRequest{Actor: bothRoles, Index: 0, VoucherNo: "HX2027-0001", Key: "k", SHA256: strings.Repeat("b", 64)})
	pay := f.update(4*day, UpdateRecordPayment, voucher)
	twice := f.update(5*day, UpdateRecordPayment, voucher)
	midterm := f.update(5*day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 1})
	f.env.RegisterDelayedCallback(func() {
		st := f.state(t)
		if !st.Money[0].Paid || st.Money[1].Confirmed || st.Money[0].Amount != 78000_00 {
			t.Errorf("money: %+v", st.Money)
		}
	}, 6*day)
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(f.env.Now()))
	refused(t, early, domain.CodeConflict, "合同签订后")
	refused(t, payFirst, domain.CodeConflict, "尚未经民政部门确认")
	refused(t, wrongRole, domain.CodeForbidden, "确认资金拨付条件")
	refused(t, skip, domain.CodeConflict, "按顺序")
	refused(t, noVoucher, domain.CodeInvalid, "付款凭证")
	ok(t, confirm, pay)
	refused(t, twice, domain.CodeConflict, "已由 财政 于")
	refused(t, midterm, domain.CodeConflict, "中期评估合格后")
	refused(t, samePerson, domain.CodeForbidden, "同一人")
	if strings.Join(f.money, ",") != "confirm:0:7800000,pay:0:7800000" {
		t.Errorf("money activities: %v", f.money)
	}
}

// Two people confirming, or paying, the same tranche at once: before, both
// passed the checks while the first one's activity ran, and the second
// "succeeded" with its voucher silently dropped. Now the second gets a
// conflict naming who is on it, a later one who did it and when, and a
// retry of the first request (its update ID) gets the first's result
// without running anything again.
func TestTrancheRequestsAtOnce(t *testing.T) {
	f := newProjectFixtureSlow(time.Hour)
	org := bidder(1)
	f.update(2*time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: terms()})
	f.update(3*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: org, Revision: 1})
	f.update(4*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: 1})
	confirm := f.update(day, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 0})
	confirmID := fmt.Sprintf("%s-%d", UpdateConfirmTranche, f.updates)
	confirmToo := f.update(day+time.Minute, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs2, Index: 0})
	confirmLater := f.update(day+2*time.Hour, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs2, Index: 0})
	voucher := func(no string) TrancheRequest {
		return TrancheRequest{Actor: financeActor, Index: 0, VoucherNo: no, Key: "projects/aw-1/vouchers/" + no, SHA256: strings.Repeat("b", 64)}
	}
	pay := f.update(2*day, UpdateRecordPayment, voucher("HX2027-0001"))
	payID := fmt.Sprintf("%s-%d", UpdateRecordPayment, f.updates)
	payToo := f.update(2*day+time.Minute, UpdateRecordPayment, voucher("HX2027-0002"))
	// The first request sent again while it runs, and after it finished.
	payAgain := scheduleUpdateWithID(f.env, 2*day+2*time.Minute, UpdateRecordPayment, payID, voucher("HX2027-0001"))
	payLater := f.update(3*day, UpdateRecordPayment, voucher("HX2027-0003"))
	payRetry := scheduleUpdateWithID(f.env, 3*day+time.Hour, UpdateRecordPayment, payID, voucher("HX2027-0001"))
	confirmRetry := scheduleUpdateWithID(f.env, 3*day+time.Hour, UpdateConfirmTranche, confirmID, TrancheRequest{Actor: civilAffairs, Index: 0})
	f.env.RegisterDelayedCallback(func() {
		st := f.state(t)
		m := st.Money[0]
		if !m.Paid || m.VoucherNo != "HX2027-0001" || m.PaidName != financeActor.Name || m.ConfirmedName != civilAffairs.Name || m.ConfirmedBy != civilAffairs.UserID {
			t.Errorf("tranche 1: %+v", m)
		}
	}, 4*day)
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(f.env.Now()))
	ok(t, confirm, pay, payAgain, payRetry, confirmRetry)
	refused(t, confirmToo, domain.CodeConflict, "正由 民政甲 确认")
	refused(t, confirmLater, domain.CodeConflict, "已由 民政甲 于")
	refused(t, payToo, domain.CodeConflict, "正由 财政 登记")
	refused(t, payLater, domain.CodeConflict, "已由 财政 于")
	refused(t, payLater, domain.CodeConflict, "凭证号 HX2027-0001")
	if strings.Join(f.money, ",") != "confirm:0:7800000,pay:0:7800000" {
		t.Errorf("money activities: %v", f.money)
	}
}

// scheduleUpdateWithID sends an update with the given ID (a retry of an
// earlier request) after delay.
func scheduleUpdateWithID(env *testsuite.TestWorkflowEnvironment, delay time.Duration, name, id string, args ...any) *outcome {
	o := &outcome{name: name + " " + id}
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(name, id, &testsuite.TestUpdateCallback{
			OnAccept:   func() {},
			OnReject:   func(err error) { o.rejected = err; o.done = true },
			OnComplete: func(result any, err error) { o.result, o.err, o.done = result, err, true },
		}, args...)
	}, delay)
	return o
}

func TestProjectContractRevisionsBounded(t *testing.T) {
	f := newProjectFixture()
	var sets []*outcome
	for i := range MaxContractRevisions + 1 {
		sets = append(sets, f.update(time.Hour+time.Duration(i)*time.Minute, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: terms()}))
	}
	f.update(2*day, UpdateConfirmContract, ConfirmRequest{Actor: bidder(1), Revision: MaxContractRevisions})
	f.update(2*day, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: MaxContractRevisions})
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(f.env.Now()))
	ok(t, sets[:MaxContractRevisions]...)
	refused(t, sets[MaxContractRevisions], domain.CodeConflict, "不能再修改")
	if f.signed.IsZero() {
		t.Fatal("the last revision was not signed")
	}
}

// A refusal names its fields across Temporal: before, an update's
// validator refused with per-field messages and the caller got only
// "提交的内容有误" (the fields were lost on the way).
func TestRefusalsNameTheirFields(t *testing.T) {
	f := newProjectFixture()
	bad := terms()
	bad.TermMonths = 40
	bad.Trainees = 0
	refusal := f.update(time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: bad})
	f.update(2*time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: terms()})
	f.update(3*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: bidder(1), Revision: 1})
	f.update(4*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: 1})
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(f.env.Now()))
	refused(t, refusal, domain.CodeInvalid, "提交的内容有误")
	fields := domain.FieldsOf(DomainError(refusal.rejected))
	if len(fields) < 2 {
		t.Fatalf("the refusal names fields %v, want the term and the trainees", fields)
	}
	for k, v := range fields {
		if v == "" || k == "" {
			t.Errorf("field %q: %q", k, v)
		}
	}
}

// Signing records the stage in the database (pages then show the project in
// delivery) before the workflow hears back: a tranche confirmed in that
// moment used to be refused as "合同签订后才能办理". The workflow's own stage
// now moves first.
func TestTrancheConfirmedWhileSigning(t *testing.T) {
	f := newProjectFixtureIn(0, time.Hour, nil)
	f.update(time.Hour, UpdateSetTerms, TermsRequest{Actor: civilAffairs, Terms: terms()})
	f.update(2*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: bidder(1), Revision: 1})
	f.update(3*time.Hour, UpdateConfirmContract, ConfirmRequest{Actor: civilAffairs, Revision: 1})
	during := f.update(3*time.Hour+30*time.Minute, UpdateConfirmTranche, TrancheRequest{Actor: civilAffairs, Index: 0})
	f.env.ExecuteWorkflow(ProjectWorkflow, projectInput(f.env.Now()))
	ok(t, during)
}
