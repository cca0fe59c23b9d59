package workflows

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// Names of the messages ProjectWorkflow accepts.
const (
	UpdateSetTerms        = "set-terms"
	UpdateConfirmContract = "confirm-contract"
	UpdateConfirmTranche  = "confirm-tranche"
	UpdateRecordPayment   = "record-payment"
	QueryProject          = "project"
)

// ProjectWorkflowID is the workflow ID of a funded project (its award's ID).
func ProjectWorkflowID(awardID string) string { return "project-" + awardID }

// ProjectInput starts a ProjectWorkflow.
type ProjectInput struct {
	AwardID   string
	CallID    string
	OrgID     int64
	District  string
	Amount    domain.Fen
	AwardedAt time.Time
	Tranches  []domain.Tranche
	// HistoryLimit: the run continues as new once its history holds this
	// many events (0: DefaultHistoryLimit), or sooner when the server
	// suggests it (a project lives up to three years).
	HistoryLimit int
	// Resume carries the previous run's state into this one (continue-as-new).
	Resume *ProjectResume
}

// ProjectResume is what a run hands to the next one when it continues as
// new: the state (every due date in it is an absolute time, every round's
// progress is in it, so nothing starts over) and the updates it already
// answered.
type ProjectResume struct {
	State   ProjectState
	Handled []HandledUpdate
	Runs    int // runs before this one
}

// HandledUpdate is an update a run completed: a request sent again with
// the same ID, in this run or a later one, gets its answer again instead of
// being done twice (Temporal deduplicates update IDs within one run only).
type HandledUpdate struct {
	ID  string
	Ack ProjectAck
}

// maxHandled bounds the handled updates a run carries on (a project's
// accepted updates are bounded by its rules; this keeps the most recent).
const maxHandled = 256

// ProjectState is what the workflow tells about itself.
type ProjectState struct {
	ProjectID      string
	Number         string
	Stage          domain.ProjectStage
	Terms          *domain.ContractTerms
	Revision       int
	OrgConfirmed   bool
	CivilConfirmed bool
	CivilBy        int64
	ContractDue    time.Time
	Money          []TrancheFlags
	MidtermPassed  bool // set by a passed mid-term evaluation
	FinalPassed    bool // set by a final evaluation graded 中 or better
	Eval           *EvalRound
	Rounds         []EvalRound // finished rounds
	Grade          domain.Grade
	ClawBack       domain.Fen
	Archived       bool
	ManifestSHA    string
	// ContractReminders: how many of the contract's reminders were sent;
	// RemindedMonth: the last month whose progress report was checked
	// ("2006-01"). A run that continues as new does not send them again.
	ContractReminders int
	RemindedMonth     string
}

// MaxContractRevisions bounds the drafts of a project's contract.
const MaxContractRevisions = 30

// ProjectAck is what a ProjectWorkflow update returns: small whatever the
// state (a project lives up to three years; its history keeps no copies of
// the state).
type ProjectAck struct {
	Stage    domain.ProjectStage
	Revision int
}

func (st *ProjectState) ack() ProjectAck { return ProjectAck{Stage: st.Stage, Revision: st.Revision} }

// TrancheFlags is where one tranche stands: who confirmed its condition and
// who recorded its payment, when, and by which request (the update ID: a
// retry of that request gets its result again, any other a conflict).
type TrancheFlags struct {
	Amount        domain.Fen
	Condition     domain.TrancheCondition
	Confirmed     bool
	ConfirmedBy   int64
	ConfirmedName string
	ConfirmedAt   time.Time
	ConfirmedReq  string
	Paid          bool
	PaidBy        int64
	PaidName      string
	PaidAt        time.Time
	PaidReq       string
	VoucherNo     string
}

// TrancheRequest confirms a tranche's condition (civil affairs) or records
// its payment (finance, with the voucher already stored).
type TrancheRequest struct {
	Actor     Actor
	Index     int
	VoucherNo string
	Key       string
	SHA256    string
}

// TermsRequest sets the contract's terms (civil affairs).
type TermsRequest struct {
	Actor Actor
	Terms domain.ContractTerms
}

// ConfirmRequest is one side's confirmation of the current contract.
type ConfirmRequest struct {
	Actor    Actor
	Revision int // the revision the person read: a newer one must be read first
}

// projectRun is one run of a ProjectWorkflow.
type projectRun struct {
	in      ProjectInput
	st      *ProjectState
	created bool
	// continue-as-new: allowed (runs started after it was introduced),
	// draining before the next run, a reminder activity running.
	runHistory
	draining  bool
	reminding bool
	handled   []HandledUpdate
	runs      int
}

// ProjectWorkflow carries a funded project from its award to its archive.
// The contract: civil affairs sets the deliverables and term, the contract
// PDF is rendered, both sides confirm within 30 days of the award notice
// (reminded; overdue is flagged), then it is signed and published and the
// project is in delivery. Training records go straight to the database
// (they never pass through this history, so a year of check-ins stays out of
// it); money moves by update in tranches gated on the evaluations; the
// mid-term and final evaluations, termination or settlement and the archive
// follow (evaluate). The workflow ends when the archive is written.
//
// A project lives up to three years: when its history grows long (or the
// server suggests it) the run continues as new at the wait it is in, with
// its state; the next run picks up at the same step (see ProjectResume).
func ProjectWorkflow(ctx workflow.Context, in ProjectInput) error {
	pr := &projectRun{in: in, st: &ProjectState{ProjectID: in.AwardID, Stage: domain.ProjectContracting,
		ContractDue: in.AwardedAt.AddDate(0, 0, domain.ContractDays)}}
	// Runs started before continue-as-new existed never continue as new.
	pr.runHistory = newRunHistory(ctx, in.HistoryLimit)
	if rs := in.Resume; rs != nil {
		st := rs.State
		pr.st, pr.handled, pr.runs, pr.created = &st, rs.Handled, rs.Runs+1, true
	} else {
		amounts := domain.TrancheAmounts(in.Amount, in.Tranches)
		for i, t := range in.Tranches {
			pr.st.Money = append(pr.st.Money, TrancheFlags{Amount: amounts[i], Condition: t.Condition})
		}
	}
	st := pr.st
	if err := workflow.SetQueryHandler(ctx, QueryProject, func() (ProjectState, error) { return *st, nil }); err != nil {
		return err
	}
	if err := pr.register(ctx); err != nil {
		return err
	}
	err := pr.run(ctx)
	if errors.Is(err, errContinueAsNew) {
		return pr.continueAsNew(ctx)
	}
	return err
}

// run does the project's steps from where its state stands.
func (pr *projectRun) run(ctx workflow.Context) error {
	in, st := pr.in, pr.st
	if in.Resume == nil {
		if err := workflow.ExecuteActivity(opts(ctx), a.CreateProject, activities.CreateProjectInput{
			AwardID: in.AwardID, Due: st.ContractDue,
		}).Get(ctx, nil); err != nil {
			return err
		}
		pr.created = true
	}
	if st.Stage == domain.ProjectContracting {
		if err := pr.contract(ctx); err != nil {
			return err
		}
		// Projects signed before the evaluations existed wait here, as they did.
		if v := workflow.GetVersion(ctx, "evaluation", workflow.DefaultVersion, 1); v == workflow.DefaultVersion {
			return workflow.Await(ctx, func() bool { return false })
		}
	}
	return pr.evaluate(ctx)
}

// contract waits until both sides confirm, within 30 days, reminded a week
// and a day before and flagged when overdue; then the contract is signed
// and the project is in delivery.
func (pr *projectRun) contract(ctx workflow.Context) error {
	in, st := pr.in, pr.st
	signed := func() bool { return st.OrgConfirmed && st.CivilConfirmed }
	to := []store.NoticeTo{{OrgID: in.OrgID}, {Role: domain.RoleCivilAffairs, District: in.District}}
	points := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, 0}
	for n := st.ContractReminders; n < len(points); n++ {
		before := points[n]
		if d := st.ContractDue.Add(-before).Sub(workflow.Now(ctx)); d > 0 {
			if ok, err := pr.await(ctx, d, signed); err != nil || ok {
				if err != nil {
					return err
				}
				break
			}
		}
		if signed() {
			break
		}
		text := fmt.Sprintf("立项项目的合同应于 %s 前签订（政府采购法 §46），请尽快确定条款并确认合同。", cstTime(st.ContractDue))
		if before == 0 {
			text = fmt.Sprintf("立项项目的合同已超过 30 日签订时限（%s），请尽快签订。", cstTime(st.ContractDue))
		}
		for i, t := range to {
			if err := workflow.ExecuteActivity(opts(ctx), a.Notify, activities.NotifyInput{CallID: in.CallID, To: t, Kind: "contract.remind",
				Text: text, Dedup: fmt.Sprintf("%s/contract/%d/%d", in.AwardID, before/time.Hour, i)}).Get(ctx, nil); err != nil {
				return err
			}
		}
		st.ContractReminders = n + 1
	}
	if _, err := pr.await(ctx, -1, signed); err != nil {
		return err
	}
	// The workflow's own state moves first: by the time pages show the
	// project in delivery, the validators accept its first tranche (before,
	// a confirmation right after signing was refused as "not signed").
	// Histories recorded before this order replay the old one.
	first := workflow.GetVersion(ctx, "stage-before-sign", workflow.DefaultVersion, 1) == 1
	if first {
		st.Stage = domain.ProjectDelivery
	}
	if err := workflow.ExecuteActivity(opts(ctx), a.SignProject, in.AwardID).Get(ctx, nil); err != nil {
		return err
	}
	st.Stage = domain.ProjectDelivery
	return workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(st.Stage)))
}

// continueAsNew lets the updates in progress and a running reminder finish
// (new updates are refused meanwhile as "draining", and the service sends
// them again to the next run), then continues the project as new.
func (pr *projectRun) continueAsNew(ctx workflow.Context) error {
	pr.draining = true
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && !pr.reminding }); err != nil {
		return err
	}
	in := pr.in
	in.Resume = &ProjectResume{State: *pr.st, Handled: pr.handled, Runs: pr.runs}
	return workflow.NewContinueAsNewError(ctx, ProjectWorkflow, in)
}

// errProjectDraining refuses an update while the run drains before
// continuing as new; the service sends it again, to the next run.
var errProjectDraining = temporal.NewNonRetryableApplicationError("项目流程正在转入新的记录段，请稍后重试。", ErrTypeDraining, nil)

// handleProject registers one of the project's updates (see updateOf).
func handleProject[Req any](pr *projectRun, ctx workflow.Context, name string, validate func(workflow.Context, Req) error,
	run func(workflow.Context, Req) (ProjectAck, error)) error {
	return updateOf(name, validate, run)(ctx, pr)
}

func (pr *projectRun) ready() bool { return pr.created }

func (pr *projectRun) refusal() error {
	if pr.draining {
		return errProjectDraining
	}
	return nil
}

// handledAnswer finds the answer to an update already handled.
func (pr *projectRun) handledAnswer(id string) (any, bool) {
	if id == "" {
		return nil, false
	}
	for _, h := range pr.handled {
		if h.ID == id {
			return h.Ack, true
		}
	}
	return nil, false
}

// recheck: a project's handlers check again themselves where they must
// (some only in runs that recorded the version that does).
func (pr *projectRun) recheck() bool { return false }

// settle keeps a done update's answer for a request sent again (the most
// recent maxHandled).
func (pr *projectRun) settle(id string, res any, err error) error {
	if err != nil {
		return err
	}
	if ack, _ := res.(ProjectAck); id != "" {
		pr.handled = append(pr.handled, HandledUpdate{ID: id, Ack: ack})
		if n := len(pr.handled); n > maxHandled {
			pr.handled = slices.Delete(pr.handled, 0, n-maxHandled)
		}
	}
	return nil
}

// register registers the project's updates: the contract's, the money's
// (registerMoney) and the evaluations' (registerEvaluation).
func (pr *projectRun) register(ctx workflow.Context) error {
	in, st := pr.in, pr.st
	if err := handleProject(pr, ctx, UpdateSetTerms,
		func(ctx workflow.Context, req TermsRequest) error {
			if err := auth.Authorize(req.Actor.User(), auth.ActionSetTerms, in.District); err != nil {
				return err
			}
			if st.Stage != domain.ProjectContracting {
				return domain.Errorf(domain.CodeConflict, "合同已签订，条款不能再修改。")
			}
			// Every other update of a project is bounded by its rules (one
			// confirmation per revision and side, one sheet per evaluator,
			// one payment per tranche); revisions are bounded here, so the
			// history of a project stays small over its years.
			if st.Revision >= MaxContractRevisions {
				return domain.Errorf(domain.CodeConflict, "合同已修改 %d 稿，不能再修改；请与组织协商后确认现稿。", MaxContractRevisions)
			}
			return req.Terms.Normalize().Validate(in.Amount)
		},
		func(ctx workflow.Context, req TermsRequest) (ProjectAck, error) {
			terms := req.Terms.Normalize()
			if err := workflow.ExecuteActivity(opts(ctx), a.SetProjectTerms, activities.SetTermsInput{
				ProjectID: in.AwardID, Terms: terms, By: req.Actor,
			}).Get(ctx, nil); err != nil {
				return ProjectAck{}, err
			}
			st.Revision++
			var ref activities.NoticeRef
			if err := workflow.ExecuteActivity(opts(ctx), a.RenderContract, activities.RenderContractInput{
				ProjectID: in.AwardID, Revision: st.Revision,
			}).Get(ctx, &ref); err != nil {
				return ProjectAck{}, err
			}
			st.Terms, st.OrgConfirmed, st.CivilConfirmed, st.CivilBy = &terms, false, false, 0
			return st.ack(), nil
		}); err != nil {
		return err
	}
	if err := handleProject(pr, ctx, UpdateConfirmContract,
		func(ctx workflow.Context, req ConfirmRequest) error { return validateConfirm(in, st, req) },
		func(ctx workflow.Context, req ConfirmRequest) (ProjectAck, error) {
			civil := req.Actor.OrgID != in.OrgID
			if err := workflow.ExecuteActivity(opts(ctx), a.ConfirmContract, activities.ConfirmInput{
				ProjectID: in.AwardID, Civil: civil, Revision: st.Revision, By: req.Actor,
			}).Get(ctx, nil); err != nil {
				return ProjectAck{}, err
			}
			if civil {
				st.CivilConfirmed, st.CivilBy = true, req.Actor.UserID
			} else {
				st.OrgConfirmed = true
			}
			return st.ack(), nil
		}); err != nil {
		return err
	}
	if err := pr.registerMoney(ctx); err != nil {
		return err
	}
	return pr.registerEvaluation(ctx)
}

func validateConfirm(in ProjectInput, st *ProjectState, req ConfirmRequest) error {
	if err := auth.AuthorizeTarget(req.Actor.User(), auth.ActionConfirmContract, auth.Target{District: in.District, OrgID: in.OrgID}); err != nil {
		return err
	}
	if st.Stage != domain.ProjectContracting {
		return domain.Errorf(domain.CodeConflict, "合同已签订。")
	}
	if st.Terms == nil {
		return domain.Errorf(domain.CodeConflict, "合同条款尚未确定，请等待民政部门确定培训人数、学时和服务期限。")
	}
	if req.Revision != st.Revision {
		return domain.Errorf(domain.CodeConflict, "合同已更新为第 %d 稿，请先阅读最新稿再确认。", st.Revision)
	}
	civil := req.Actor.OrgID != in.OrgID
	if civil && st.CivilConfirmed || !civil && st.OrgConfirmed {
		return domain.Errorf(domain.CodeConflict, "您方已确认过该稿合同。")
	}
	return nil
}

// registerMoney registers the tranche updates: civil affairs confirms a
// tranche's condition, finance records its payment. Tranches go in order, a
// condition must hold (the contract signed; the mid-term or final
// evaluation passed), and payments never exceed the award.
func (pr *projectRun) registerMoney(ctx workflow.Context) error {
	in, st := pr.in, pr.st
	// The requests whose activity is running, by tranche: a second request
	// for the same tranche meanwhile is refused (before this, both passed
	// the checks and the second one's voucher was silently dropped).
	type inFlight struct {
		By  string
		At  time.Time
		Req string
	}
	confirming, paying := map[int]inFlight{}, map[int]inFlight{}
	// signing: both sides confirmed the contract and the workflow is
	// recording its signature (SignProject), after which the stage is
	// delivery. The database says "signed" as soon as that activity
	// commits, so people see the project in delivery and ask for money
	// meanwhile — for as long as the activity's completion takes to arrive
	// (30 s when its worker died just after the commit).
	signing := func() bool { return st.OrgConfirmed && st.CivilConfirmed }
	// again reports a request that already did what it asks (its update ID
	// is the one recorded): a retry, answered with the state, not redone.
	again := func(ctx workflow.Context, req TrancheRequest, pay bool) bool {
		if req.Index < 0 || req.Index >= len(st.Money) {
			return false
		}
		id, t := updateID(ctx), st.Money[req.Index]
		if pay {
			return id != "" && t.Paid && t.PaidReq == id
		}
		return id != "" && t.Confirmed && t.ConfirmedReq == id
	}
	// inFlightToo: whether a request running for the same tranche refuses
	// this one (always in validators; in handlers of runs that recorded
	// the "tranche-in-flight" version, so older histories replay as run).
	check := func(ctx workflow.Context, req TrancheRequest, pay, inFlightToo bool) error {
		action := auth.ActionConfirmTranche
		if pay {
			action = auth.ActionRecordPayment
		}
		if err := auth.Authorize(req.Actor.User(), action, in.District); err != nil {
			return err
		}
		switch st.Stage {
		case domain.ProjectDelivery, domain.ProjectRectifying, domain.ProjectClosing:
		case domain.ProjectContracting:
			if !signing() {
				return domain.Errorf(domain.CodeConflict, "合同签订后才能办理资金拨付。")
			}
			// both sides confirmed: the signing is being recorded (the
			// database may already say so); the handler waits for it
		case domain.ProjectTerminated:
			return domain.Errorf(domain.CodeConflict, "项目已终止，剩余资金停止拨付。")
		case domain.ProjectArchived:
			return domain.Errorf(domain.CodeConflict, "项目已归档，不能再办理拨付。")
		default:
			return domain.Errorf(domain.CodeConflict, "合同签订后才能办理资金拨付。")
		}
		if req.Index < 0 || req.Index >= len(st.Money) {
			return domain.Errorf(domain.CodeNotFound, "没有第 %d 笔资金。", req.Index+1)
		}
		t := st.Money[req.Index]
		if !pay {
			switch f, busy := confirming[req.Index]; {
			case t.Confirmed:
				return domain.Errorf(domain.CodeConflict, "第 %d 笔资金的拨付条件已由 %s 于 %s 确认，无需重复确认。", req.Index+1, t.ConfirmedName, cstTime(t.ConfirmedAt))
			case inFlightToo && busy && f.Req != updateID(ctx):
				return domain.Errorf(domain.CodeConflict, "第 %d 笔资金的拨付条件正由 %s 确认（%s 提交），请勿重复提交，稍后刷新页面查看结果。", req.Index+1, f.By, cstTime(f.At))
			case req.Index > 0 && !st.Money[req.Index-1].Confirmed:
				return domain.Errorf(domain.CodeConflict, "请先确认第 %d 笔资金，资金按顺序拨付。", req.Index)
			case t.Condition == domain.TrancheOnMidterm && !st.MidtermPassed:
				return domain.Errorf(domain.CodeConflict, "第 %d 笔资金须在中期评估合格后拨付，目前条件尚未成就。", req.Index+1)
			case t.Condition == domain.TrancheOnFinal && !st.FinalPassed:
				return domain.Errorf(domain.CodeConflict, "第 %d 笔资金须在结项评估合格后拨付，目前条件尚未成就。", req.Index+1)
			}
			return nil
		}
		var paid domain.Fen
		for _, m := range st.Money {
			if m.Paid {
				paid += m.Amount
			}
		}
		switch f, busy := paying[req.Index]; {
		case !t.Confirmed:
			return domain.Errorf(domain.CodeConflict, "第 %d 笔资金的拨付条件尚未经民政部门确认，不能拨付。", req.Index+1)
		case t.Paid:
			return domain.Errorf(domain.CodeConflict, "第 %d 笔资金已由 %s 于 %s 登记拨付（凭证号 %s），不能重复登记。", req.Index+1, t.PaidName, cstTime(t.PaidAt), t.VoucherNo)
		case inFlightToo && busy && f.Req != updateID(ctx):
			return domain.Errorf(domain.CodeConflict, "第 %d 笔资金的拨付正由 %s 登记（%s 提交），请勿重复提交，稍后刷新页面查看结果。", req.Index+1, f.By, cstTime(f.At))
		case paid+t.Amount > in.Amount:
			return domain.Errorf(domain.CodeConflict, "累计拨付将超过资助金额 %s 元，不能拨付。", in.Amount.Yuan())
		case req.Key == "" || len(req.SHA256) != 64:
			return domain.Errorf(domain.CodeInvalid, "请上传付款凭证。")
		}
		if n := len([]rune(req.VoucherNo)); n < 2 || n > 50 {
			return domain.FieldErrors{"voucher_no": "请填写付款凭证号。"}.Err()
		}
		return auth.SeparationOfDuties(req.Actor, auth.Decision{Earlier: []int64{t.ConfirmedBy}})
	}
	// run records a confirmation or payment once: a retry of the same
	// request returns the state; a request arriving while another for the
	// same tranche is running is refused (checked again here, after the
	// validator, as the other may have started since).
	run := func(ctx workflow.Context, req TrancheRequest, pay bool) (ProjectAck, error) {
		if again(ctx, req, pay) {
			return st.ack(), nil
		}
		// A request accepted while the signing was being recorded waits for
		// it. (Validators refused such requests before, so no earlier
		// history reaches this wait: it adds no command to them.)
		if st.Stage == domain.ProjectContracting && signing() {
			if err := workflow.Await(ctx, func() bool { return st.Stage != domain.ProjectContracting }); err != nil {
				return ProjectAck{}, err
			}
		}
		inFlightToo := workflow.GetVersion(ctx, "tranche-in-flight", workflow.DefaultVersion, 1) == 1
		if err := check(ctx, req, pay, inFlightToo); err != nil {
			return ProjectAck{}, toApplicationError(err)
		}
		busy, act := confirming, a.ConfirmTranche
		if pay {
			busy, act = paying, a.RecordPayment
		}
		t := &st.Money[req.Index]
		now := workflow.Now(ctx)
		busy[req.Index] = inFlight{By: req.Actor.Name, At: now, Req: updateID(ctx)}
		defer delete(busy, req.Index)
		if err := workflow.ExecuteActivity(opts(ctx), act, activities.TrancheInput{
			ProjectID: in.AwardID, Index: req.Index, Amount: t.Amount, VoucherNo: req.VoucherNo, Key: req.Key, SHA256: req.SHA256, By: req.Actor,
		}).Get(ctx, nil); err != nil {
			return ProjectAck{}, err
		}
		if pay {
			t.Paid, t.PaidBy, t.PaidName, t.PaidAt, t.PaidReq, t.VoucherNo = true, req.Actor.UserID, req.Actor.Name, now, updateID(ctx), req.VoucherNo
		} else {
			t.Confirmed, t.ConfirmedBy, t.ConfirmedName, t.ConfirmedAt, t.ConfirmedReq = true, req.Actor.UserID, req.Actor.Name, now, updateID(ctx)
		}
		return st.ack(), nil
	}
	validate := func(pay bool) func(workflow.Context, TrancheRequest) error {
		return func(ctx workflow.Context, req TrancheRequest) error {
			if again(ctx, req, pay) {
				return nil
			}
			return check(ctx, req, pay, true)
		}
	}
	if err := handleProject(pr, ctx, UpdateConfirmTranche, validate(false),
		func(ctx workflow.Context, req TrancheRequest) (ProjectAck, error) { return run(ctx, req, false) }); err != nil {
		return err
	}
	return handleProject(pr, ctx, UpdateRecordPayment, validate(true),
		func(ctx workflow.Context, req TrancheRequest) (ProjectAck, error) { return run(ctx, req, true) })
}
