// Package workflows is GrantFlow's lifecycle as code. CallWorkflow carries a
// call (征集/招标) from draft to award; it owns the call's stage, decides, and
// calls activities for every side effect. People reach it through Updates
// whose validators refuse a wrong role, stage or time before anything is
// written.
package workflows

import (
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

// TaskQueue is the default task queue of GrantFlow's workers.
const TaskQueue = "grantflow"

// Names of the messages CallWorkflow accepts.
const (
	UpdateAwaitDraft      = "await-draft"
	UpdateAttachDocument  = "attach-document"
	UpdateCancel          = "cancel"
	UpdateSubmit          = "submit-for-publication"
	UpdateReviewPublish   = "review-publication"
	UpdateClarify         = "clarify"
	UpdateSubmitBid       = "submit-bid"
	UpdateWithdrawBid     = "withdraw-bid"
	UpdateQualify         = "qualify"
	UpdateRedrawPanel     = "redraw-panel"
	UpdateDeclare         = "declare"
	UpdateScore           = "score"
	UpdateApprove         = "approve"
	UpdateObject          = "object"
	UpdateAnswerObjection = "answer-objection"
	UpdateRequestRecusal  = "request-recusal"
	UpdateDecideRecusal   = "decide-recusal"
	QueryState            = "state"
)

// CallWorkflowID is the workflow ID of a call: derived from its business key,
// so a double submit cannot start two workflows.
func CallWorkflowID(callID string) string { return "call-" + callID }

// Actor is who sends a message, as the web layer authenticated them. The
// validators check the actor against the same policy (auth.Authorize) the web
// layer used: the workflow never takes the web's word for it.
type Actor = domain.Actor

// CallInput starts a CallWorkflow.
type CallInput struct {
	CallID    string
	Draft     domain.CallDraft
	CreatedBy Actor
	// Year is the programme year (search attribute GrantFlowYear).
	Year int
	// HistoryLimit: the run continues as new once its history holds this
	// many events (0: DefaultHistoryLimit), or sooner when the server
	// suggests it.
	HistoryLimit int
	// Resume carries the previous run's state into this one (continue-as-new).
	Resume *CallResume
}

// CallResume is what a run hands to the next one when it continues as new:
// the state, and where the step in progress stands, so that no deadline,
// due date or round starts over.
type CallResume struct {
	State       CallState
	NoticeDirty bool
	PanelRedraw bool
	// InStage: the stage's entry (due dates, publicity window, round) was
	// done in an earlier run and is not done again.
	InStage  bool
	StageDue time.Time // the due time of the scoring or approval step
	Runs     int       // runs before this one
	// Handled are the updates the runs before answered (the most recent).
	Handled []HandledCallUpdate
}

// Ack is what a CallWorkflow update returns: small whatever the state, so
// that no number of updates fills the history with copies of it.
type Ack struct {
	Stage domain.CallStage
}

// ObjectionAck is the result of a filed objection.
type ObjectionAck struct {
	ID      string
	FiledAt time.Time
}

// Seat is an expert on the panel.
type Seat struct {
	UserID    int64
	TalentID  int64
	Name      string
	Seq       int // draw number: the seat's public label 专家 N
	Confirmed bool
}

// CallState is what the workflow tells about itself (query "state"). It is
// the workflow's own memory: decisions never depend on reading the database.
type CallState struct {
	CallID         string
	Number         string
	Stage          domain.CallStage
	Note           string
	NoticeRevision int
	NoticeSHA256   string
	NoticeFailed   string // why the current notice could not be rendered
	Deadline       time.Time
	SubmittedBy    int64
	CivilApprover  int64
	// Bids are the live sealed bids by organisation (envelopes only).
	Bids           map[int64]string
	Opened         []activities.OpenedBid
	Qualified      map[string]bool
	Panel          []Seat
	PanelShort     string
	Scores         map[string]domain.ScoreSheet // "expert/bid"
	Round          int
	Results        []domain.BidResult
	Objections     []OpenObjection // open ones, in filing order
	Answered       []AnsweredObjection
	ObjectionUntil time.Time
	// Objected are the organisations that challenged the result under
	// publicity (one challenge each per result, 财政部令第94号 §10).
	Objected []int64
	Recusals []OpenRecusal // bidders' recusal requests awaiting a decision
	// Decided are the decisions of the current round by step ("submit",
	// "publish", "civil", "finance"): a second request for a step already
	// decided is told who decided it and when. A step's entry goes when
	// the call enters that step's stage again.
	Decided map[string]DecisionMark `json:",omitempty"`
}

// DecisionMark is who made a call's decision, when, and which way.
type DecisionMark struct {
	UserID  int64
	Name    string
	At      time.Time
	Approve bool
}

// OpenObjection is an objection (or a complaint to finance) waiting for its
// answer.
type OpenObjection struct {
	ID        string
	FiledAt   time.Time
	Complaint bool
	OrgID     int64 // the supplier that filed it (0 in runs before suppliers alone could)
}

// AnsweredObjection is an objection answered as not upheld: its objector may
// complain to finance until ComplaintUntil (15 working days).
type AnsweredObjection struct {
	ID             string
	ComplaintUntil time.Time
	OrgID          int64
	Complained     bool // one complaint per answer
}

// OpenRecusal is a bidder's recusal request awaiting civil affairs.
type OpenRecusal struct {
	ID    string
	OrgID int64
}

// callRun is one CallWorkflow execution: its input, state and helpers.
type callRun struct {
	in            CallInput
	plan          domain.Plan
	st            *CallState
	created       bool
	createErr     error
	noticeDirty   bool
	epoch         int // bumped at every stage change: the main loop watches it
	deadlineMoved bool
	panelRedraw   bool
	// opening is set the moment the opening starts: from then no bid,
	// withdrawal or deadline change is accepted, whatever the clock says
	// (a clarification finishing during the opening used to move the
	// deadline and let bids in that were never opened).
	opening bool
	draws   int // DrawPanel calls of this run (their idempotency keys)
	// continue-as-new: allowed (runs started after it was introduced), the
	// stage entry done in an earlier run, draining before the next run.
	runHistory
	resumed   bool
	draining  bool
	rendering bool
	stageDue  time.Time
	runs      int
	handled   []HandledCallUpdate
	// deciding holds the decision requests (submit, publication review,
	// award approval) whose handler is running, by step group: another
	// request for the same group meanwhile is refused (before, both passed
	// the stage check while the first one's activity ran, and the decision
	// was recorded twice). Handlers drain before continue-as-new, so it is
	// never carried over.
	deciding map[string]inFlightDecision
}

// inFlightDecision is a decision request whose handler is running.
type inFlightDecision struct {
	Label string
	By    string
	At    time.Time
	Req   string
}

var a *activities.Activities

// CallWorkflow runs one call: it records the draft, keeps the notice
// following the call, and runs the call's stages one after another until
// it is final (continuing as new when its history grows long).
func CallWorkflow(ctx workflow.Context, in CallInput) error {
	r := newCallRun(ctx, in)
	if err := r.register(ctx); err != nil {
		return err
	}
	if err := r.create(ctx); err != nil {
		return err
	}
	noticeDone := false
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { noticeDone = true }()
		r.followNotice(ctx)
	})
	for !r.st.Stage.Final() {
		err := r.stage(ctx)
		if errors.Is(err, errContinueAsNew) {
			return r.continueAsNew(ctx)
		}
		if err != nil {
			return err
		}
	}
	if err := r.refundBonds(ctx); err != nil {
		return err
	}
	return workflow.Await(ctx, func() bool { return noticeDone && workflow.AllHandlersFinished(ctx) })
}

// newCallRun is a call's run from its input, with the state the run before
// handed on (continue-as-new).
func newCallRun(ctx workflow.Context, in CallInput) *callRun {
	r := &callRun{in: in, plan: in.Draft.Plan, noticeDirty: true, st: &CallState{
		CallID: in.CallID, Stage: domain.StageDraft, Bids: map[int64]string{}, Qualified: map[string]bool{},
		Scores: map[string]domain.ScoreSheet{},
	}}
	// Runs started before continue-as-new existed never continue as new.
	r.runHistory = newRunHistory(ctx, in.HistoryLimit)
	if rs := in.Resume; rs != nil {
		st := rs.State
		r.st = &st
		if r.st.Bids == nil {
			r.st.Bids = map[int64]string{}
		}
		if r.st.Qualified == nil {
			r.st.Qualified = map[string]bool{}
		}
		if r.st.Scores == nil {
			r.st.Scores = map[string]domain.ScoreSheet{}
		}
		r.noticeDirty, r.panelRedraw, r.resumed, r.stageDue, r.runs = rs.NoticeDirty, rs.PanelRedraw, rs.InStage, rs.StageDue, rs.Runs+1
		r.handled = rs.Handled
	}
	return r
}

// create records the call's draft (a run that continues one has it
// already); the updates wait for it. When it fails, the updates in
// progress are answered with the failure before the workflow ends.
func (r *callRun) create(ctx workflow.Context) error {
	if r.in.Resume == nil {
		var call domain.Call
		if err := workflow.ExecuteActivity(opts(ctx), a.CreateDraftCall, activities.CreateDraftCallInput{
			CallID: r.in.CallID, Draft: r.in.Draft, By: r.in.CreatedBy,
		}).Get(ctx, &call); err != nil {
			r.createErr = err
			_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
			return fmt.Errorf("create draft call: %w", err)
		}
		r.st.Number = call.Number
	}
	r.created = true
	return nil
}

// stage runs the call's current stage until it moves (or the run must
// continue as new).
func (r *callRun) stage(ctx workflow.Context) error {
	resumed := r.resumed
	r.resumed = false
	switch r.st.Stage {
	case domain.StageBidding:
		return r.bidding(ctx)
	case domain.StagePanel:
		return r.panel(ctx)
	case domain.StageScoring:
		return r.scoring(ctx, resumed)
	case domain.StageCivilApproval, domain.StageFinanceApproval:
		return r.approval(ctx, resumed)
	case domain.StagePublicity:
		return r.publicity(ctx, resumed)
	default: // draft, publish review, qualification: people move it on
		e := r.epoch
		_, err := r.await(ctx, -1, func() bool { return r.epoch != e })
		return err
	}
}

// refundBonds asks civil affairs to refund the bid bonds of a call that
// had bids: within five working days (实施条例 §33).
func (r *callRun) refundBonds(ctx workflow.Context) error {
	if r.plan.BidBond > 0 && (len(r.st.Bids) > 0 || len(r.st.Opened) > 0) {
		due, err := r.workingDays(ctx, workflow.Now(ctx), 5)
		if err != nil {
			return err
		}
		return r.notify(ctx, domain.NoticeTo{Role: domain.RoleCivilAffairs, District: r.district()}, "bond.refund",
			fmt.Sprintf("征集 %s 已%s，请于 %s 前向各投标人退还投标保证金（每家 %s 元，实施条例 §33）。", r.st.Number, r.st.Stage.Label(), cstTime(due), r.plan.BidBond.Yuan()),
			"bond")
	}
	return nil
}

// setStage moves the call to a stage, tells the main loop, and records it.
// The workflow's own state moves first: by the time pages show the new
// stage, the validators already accept what it allows.
func (r *callRun) setStage(ctx workflow.Context, stage domain.CallStage, note string, by Actor) error {
	// Histories recorded before this order was introduced replay the old one.
	first := workflow.GetVersion(ctx, "stage-before-record", workflow.DefaultVersion, 1) == 1
	move := func() {
		r.st.Stage = stage
		r.st.Note = note
		r.epoch++
		delete(r.st.Decided, stepOfStage[stage]) // a new round of that step
	}
	if first {
		move()
	}
	if err := workflow.ExecuteActivity(opts(ctx), a.SetCallStage, activities.SetCallStageInput{
		CallID: r.in.CallID, Stage: stage, Reason: note, By: by,
	}).Get(ctx, nil); err != nil {
		return err
	}
	if !first {
		move()
	}
	return workflow.UpsertTypedSearchAttributes(ctx, SAStage.ValueSet(string(stage)))
}

func (r *callRun) district() string { return r.in.Draft.District }

// continueAsNew lets the updates in progress finish (new ones are refused
// meanwhile as "draining", and the service sends them again to the next
// run), then continues the call as new with its state: deadlines and due
// dates are absolute times in the state, so none starts over.
func (r *callRun) continueAsNew(ctx workflow.Context) error {
	e := r.epoch
	r.draining = true
	if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) && !r.rendering }); err != nil {
		return err
	}
	in := r.in
	in.Resume = &CallResume{State: *r.st, NoticeDirty: r.noticeDirty, PanelRedraw: r.panelRedraw,
		InStage: r.epoch == e, StageDue: r.stageDue, Runs: r.runs, Handled: r.handled}
	return workflow.NewContinueAsNewError(ctx, CallWorkflow, in)
}
