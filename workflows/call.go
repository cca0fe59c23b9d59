// Package workflows is GrantFlow's lifecycle as code. CallWorkflow carries a
// call (征集/招标) from draft to award; it owns the call's stage, decides, and
// calls activities for every side effect. People reach it through Updates
// whose validators refuse a wrong role, stage or time before anything is
// written.
package workflows

import (
	"errors"
	"fmt"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
	"grantflow/internal/store"
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

// Requests carried by updates.
type (
	AttachDocumentRequest struct {
		Actor      Actor
		Attachment domain.Attachment
	}
	CancelRequest struct {
		Actor  Actor
		Reason string
	}
	SubmitRequest struct{ Actor Actor }
	// DecisionRequest approves or rejects (publication, award steps).
	DecisionRequest struct {
		Actor   Actor
		Approve bool
		Reason  string
	}
	ClarifyRequest struct {
		Actor    Actor
		ID       string
		Title    string
		Body     string
		Material bool
	}
	BidRequest struct {
		Actor Actor
		Bid   domain.Bid // ID, CallID, OrgID, Parts (already sealed and stored)
	}
	WithdrawRequest struct{ Actor Actor }
	QualifyRequest  struct {
		Actor     Actor
		Decisions []activities.Qualification
	}
	RedrawRequest  struct{ Actor Actor }
	DeclareRequest struct {
		Actor    Actor
		Conflict bool
		Reason   string
	}
	ScoreRequest struct {
		Actor   Actor
		BidID   string
		Points  []float64
		Comment string
	}
	// ObjectionRequest files a supplier's objection whose row the service
	// wrote (pending) under ID: the history carries no text, name or
	// contact, only what decides holding the award.
	ObjectionRequest struct {
		Actor Actor
		ID    string
		// ComplaintOf makes this a complaint to finance (投诉) about the
		// answer to that objection.
		ComplaintOf string
		// Input and Attachment are set only in updates recorded before the
		// service wrote objections itself (replayed, never accepted anew).
		Input      domain.ObjectionInput
		Attachment string
	}
	RecusalRequest struct {
		Actor  Actor
		ID     string
		Reason string
	}
	RecusalDecision struct {
		Actor     Actor
		RequestID string
		Upheld    bool
		Seat      int
		Answer    string
	}
	AnswerRequest struct {
		Actor       Actor
		ObjectionID string
		Upheld      bool
		Answer      string
		ReturnTo    domain.CallStage
	}
)

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

// CallWorkflow runs one call.
func CallWorkflow(ctx workflow.Context, in CallInput) error {
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
	if err := r.register(ctx); err != nil {
		return err
	}
	if in.Resume == nil {
		var call domain.Call
		if err := workflow.ExecuteActivity(opts(ctx), a.CreateDraftCall, activities.CreateDraftCallInput{
			CallID: in.CallID, Draft: in.Draft, By: in.CreatedBy,
		}).Get(ctx, &call); err != nil {
			r.createErr = err
			_ = workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) })
			return fmt.Errorf("create draft call: %w", err)
		}
		r.st.Number = call.Number
	}
	r.created = true

	// The notice follows the call (attachments, deadline) until it is final.
	noticeDone := false
	workflow.Go(ctx, func(ctx workflow.Context) {
		defer func() { noticeDone = true }()
		for {
			if err := workflow.Await(ctx, func() bool { return r.noticeDirty || r.st.Stage.Final() || r.draining }); err != nil || r.st.Stage.Final() {
				return
			}
			if r.draining {
				return // the next run renders it
			}
			r.noticeDirty = false
			r.st.NoticeRevision++
			var ref activities.NoticeRef
			r.rendering = true
			err := workflow.ExecuteActivity(opts(ctx), a.RenderCallNotice, activities.RenderCallNoticeInput{
				CallID: in.CallID, Revision: r.st.NoticeRevision,
			}).Get(ctx, &ref)
			r.rendering = false
			if err != nil {
				workflow.GetLogger(ctx).Error("render call notice", "error", err)
				// Runs from before the failure was kept stopped rendering.
				if workflow.GetVersion(ctx, "notice-failure", workflow.DefaultVersion, 1) == workflow.DefaultVersion {
					return
				}
				// A notice that cannot be rendered (the activity says so
				// once, it does not retry) stops the call's submission and
				// publication until a later revision renders.
				r.st.NoticeFailed = noticeFailure(err)
				continue
			}
			r.st.NoticeSHA256, r.st.NoticeFailed = ref.SHA256, ""
		}
	})

	for !r.st.Stage.Final() {
		var err error
		resumed := r.resumed
		r.resumed = false
		switch r.st.Stage {
		case domain.StageBidding:
			err = r.bidding(ctx)
		case domain.StagePanel:
			err = r.panel(ctx)
		case domain.StageScoring:
			err = r.scoring(ctx, resumed)
		case domain.StageCivilApproval, domain.StageFinanceApproval:
			err = r.approval(ctx, resumed)
		case domain.StagePublicity:
			err = r.publicity(ctx, resumed)
		default: // draft, publish review, qualification: people move it on
			e := r.epoch
			_, err = r.await(ctx, -1, func() bool { return r.epoch != e })
		}
		if errors.Is(err, errContinueAsNew) {
			return r.continueAsNew(ctx)
		}
		if err != nil {
			return err
		}
	}
	if r.plan.BidBond > 0 && (len(r.st.Bids) > 0 || len(r.st.Opened) > 0) {
		// Bid bonds are refunded within five working days (实施条例 §33).
		due, err := r.workingDays(ctx, workflow.Now(ctx), 5)
		if err != nil {
			return err
		}
		if err := r.notify(ctx, store.NoticeTo{Role: domain.RoleCivilAffairs, District: r.district()}, "bond.refund",
			fmt.Sprintf("征集 %s 已%s，请于 %s 前向各投标人退还投标保证金（每家 %s 元，实施条例 §33）。", r.st.Number, r.st.Stage.Label(), cstTime(due), r.plan.BidBond.Yuan()),
			"bond"); err != nil {
			return err
		}
	}
	return workflow.Await(ctx, func() bool { return noticeDone && workflow.AllHandlersFinished(ctx) })
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

// bidding waits for the deadline (moved by material clarifications), then
// opens the bids exactly then.
func (r *callRun) bidding(ctx workflow.Context) error {
	e := r.epoch
	for {
		r.deadlineMoved = false
		wait := r.st.Deadline.Sub(workflow.Now(ctx))
		if wait <= 0 {
			break
		}
		if _, err := r.await(ctx, wait, func() bool { return r.deadlineMoved || r.epoch != e }); err != nil {
			return err
		}
		if r.epoch != e {
			return nil // cancelled
		}
	}
	// No more bids from here: the validator refuses them at the same instant.
	if workflow.GetVersion(ctx, "refuse-bids-at-opening", workflow.DefaultVersion, 1) == 1 {
		r.opening = true
	}
	var opened []activities.OpenedBid
	if err := workflow.ExecuteActivity(longOpts(ctx), a.OpenBids, r.in.CallID).Get(ctx, &opened); err != nil {
		return err
	}
	if r.epoch != e {
		return nil
	}
	r.st.Opened = opened
	if len(opened) < r.plan.MinBidders {
		return r.setStage(ctx, domain.StageFailed,
			fmt.Sprintf("截止时共收到 %d 份投标，少于最少有效投标人数 %d，流标（政府采购法 §36）。可重新组织征集。", len(opened), r.plan.MinBidders), domain.System)
	}
	return r.setStage(ctx, domain.StageQualification, "", domain.System)
}

func (r *callRun) validBids() []activities.OpenedBid {
	var out []activities.OpenedBid
	for _, b := range r.st.Opened {
		if r.st.Qualified[b.BidID] {
			out = append(out, b)
		}
	}
	return out
}

// panel draws the panel (until it is full) and waits for every drawn
// expert's declaration; recused experts are replaced by the declare handler.
func (r *callRun) panel(ctx workflow.Context) error {
	e := r.epoch
	for {
		if r.st.PanelShort != "" && !r.panelRedraw {
			// An earlier run found the pool short: wait for the redraw.
			if _, err := r.await(ctx, -1, func() bool { return r.panelRedraw || r.epoch != e }); err != nil {
				return err
			}
			if r.epoch != e {
				return nil
			}
		}
		if need := r.plan.PanelSize - len(r.st.Panel); need > 0 {
			var bidders []string
			for _, b := range r.st.Opened {
				bidders = append(bidders, b.USCC)
			}
			var drawn []activities.Drawn
			r.draws++
			info := workflow.GetInfo(ctx)
			var seated []int64
			for _, s := range r.st.Panel {
				seated = append(seated, s.TalentID)
			}
			err := workflow.ExecuteActivity(opts(ctx), a.DrawPanel, activities.DrawPanelInput{
				CallID: r.in.CallID, Need: need, Bidders: bidders, Staff: r.staff(),
				// A retried draw returns the draw it made (keyed by run and step).
				Key: fmt.Sprintf("%s/%s/panel/%d", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, r.draws),
				// Experts a short draw recorded (its result lost with its error) are seated now.
				Adopt: true, Seated: seated,
			}).Get(ctx, &drawn)
			for _, d := range drawn {
				r.st.Panel = append(r.st.Panel, Seat{UserID: d.UserID, TalentID: d.TalentID, Name: d.Name, Seq: d.Seq})
			}
			if err != nil {
				if de := DomainError(err); domain.ErrorCode(de) != domain.CodeConflict {
					return err
				}
				r.st.PanelShort = domain.ErrorMessage(DomainError(err))
				r.panelRedraw = false
				if err := r.notify(ctx, store.NoticeTo{Role: domain.RoleCivilAffairs, District: r.district()}, "panel.short",
					r.st.PanelShort, fmt.Sprintf("short/%d", len(r.st.Panel))); err != nil {
					return err
				}
				if _, err := r.await(ctx, -1, func() bool { return r.panelRedraw || r.epoch != e }); err != nil {
					return err
				}
				if r.epoch != e {
					return nil
				}
				continue
			}
			r.st.PanelShort = ""
		}
		if _, err := r.await(ctx, -1, func() bool {
			return r.epoch != e || len(r.st.Panel) < r.plan.PanelSize || r.panelConfirmed()
		}); err != nil {
			return err
		}
		if r.epoch != e {
			return nil
		}
		if r.panelConfirmed() {
			return r.setStage(ctx, domain.StageScoring, "", domain.System)
		}
	}
}

func (r *callRun) panelConfirmed() bool {
	if len(r.st.Panel) < r.plan.PanelSize {
		return false
	}
	for _, s := range r.st.Panel {
		if !s.Confirmed {
			return false
		}
	}
	return true
}

// staff are the users who acted on this call as officials: they never sit
// on its panel.
func (r *callRun) staff() []int64 {
	out := []int64{r.in.CreatedBy.UserID}
	if r.st.SubmittedBy != 0 {
		out = append(out, r.st.SubmittedBy)
	}
	return out
}

func (r *callRun) scoringComplete() bool {
	for _, s := range r.st.Panel {
		for _, b := range r.validBids() {
			if _, ok := r.st.Scores[scoreKey(s.UserID, b.BidID)]; !ok {
				return false
			}
		}
	}
	return true
}

func scoreKey(expert int64, bid string) string { return fmt.Sprintf("%d/%s", expert, bid) }

// scoring waits for every expert's sheet on every valid bid (due in two
// working days, with reminders), then ranks the bids and writes the report.
func (r *callRun) scoring(ctx workflow.Context, resumed bool) error {
	e := r.epoch
	due := r.stageDue
	if !resumed {
		r.st.Round++
		var err error
		if due, err = r.workingDays(ctx, workflow.Now(ctx), domain.ScoringWorkingDays); err != nil {
			return err
		}
		if err := workflow.ExecuteActivity(opts(ctx), a.SetCallTimes, activities.SetCallTimesInput{
			CallID: r.in.CallID, Times: store.CallTimes{ScoringDue: due},
		}).Get(ctx, nil); err != nil {
			return err
		}
		r.stageDue = due
	}
	var experts []store.NoticeTo
	for _, s := range r.st.Panel {
		experts = append(experts, store.NoticeTo{UserID: s.UserID})
	}
	experts = append(experts, store.NoticeTo{Role: domain.RoleCivilAffairs, District: r.district()})
	done, err := r.awaitDue(ctx, due, "scoring", experts, "评审打分", func() bool { return r.epoch != e || r.scoringComplete() })
	if err != nil || !done || r.epoch != e {
		return err
	}
	var bids []domain.ScoredBid
	for _, b := range r.validBids() {
		bids = append(bids, domain.ScoredBid{BidID: b.BidID, OrgID: b.OrgID, OrgName: b.OrgName, Price: b.Price, SubmittedAt: b.SubmittedAt})
	}
	var sheets []domain.ScoreSheet
	for _, s := range r.st.Panel {
		for _, b := range bids {
			sheets = append(sheets, r.st.Scores[scoreKey(s.UserID, b.BidID)])
		}
	}
	r.st.Results = domain.Evaluate(r.plan, bids, sheets)
	if err := workflow.ExecuteActivity(opts(ctx), a.SaveResults, activities.SaveResultsInput{
		CallID: r.in.CallID, Results: r.st.Results, Round: r.st.Round,
	}).Get(ctx, nil); err != nil {
		return err
	}
	return r.setStage(ctx, domain.StageCivilApproval, "", domain.System)
}

// approval waits for the approval step of the current stage (five working
// days, with reminders); the approve handler moves the stage.
func (r *callRun) approval(ctx workflow.Context, resumed bool) error {
	e := r.epoch
	due := r.stageDue
	if !resumed {
		var err error
		if due, err = r.workingDays(ctx, workflow.Now(ctx), domain.ApprovalWorkingDays); err != nil {
			return err
		}
		r.stageDue = due
	}
	role, label := domain.RoleCivilAffairs, "民政审批"
	if r.st.Stage == domain.StageFinanceApproval {
		role, label = domain.RoleFinance, "财政审批"
	}
	_, err := r.awaitDue(ctx, due, string(r.st.Stage), []store.NoticeTo{{Role: role, District: r.district()}}, label,
		func() bool { return r.epoch != e })
	return err
}

// publicity publishes the result for the set working days; objections are
// accepted until the objection window closes (procurement modes: seven
// working days after the notice period) and each holds the award until it
// is answered. Then the call is awarded.
func (r *callRun) publicity(ctx workflow.Context, resumed bool) error {
	e := r.epoch
	objUntil := r.st.ObjectionUntil
	if !resumed {
		now := workflow.Now(ctx)
		until, err := r.workingDays(ctx, now, r.plan.PublicityDays)
		if err != nil {
			return err
		}
		objUntil = until
		if r.plan.Mode.Procurement() {
			if objUntil, err = r.workingDays(ctx, until, domain.ObjectionWorkingDays); err != nil {
				return err
			}
		}
		r.st.ObjectionUntil = objUntil
		r.st.Objected = nil // a new result: each supplier may challenge it once
		if err := workflow.ExecuteActivity(opts(ctx), a.SetCallTimes, activities.SetCallTimesInput{
			CallID: r.in.CallID, Times: store.CallTimes{PublicityFrom: now, PublicityUntil: until, ObjectionUntil: objUntil},
		}).Get(ctx, nil); err != nil {
			return err
		}
	}
	for {
		if wait := objUntil.Sub(workflow.Now(ctx)); wait > 0 {
			if _, err := r.await(ctx, wait, func() bool { return r.epoch != e }); err != nil {
				return err
			}
		}
		if r.epoch != e {
			return nil
		}
		if len(r.st.Objections) == 0 {
			break
		}
		// Open objections hold the award until answered: the reply is due
		// seven working days after the earliest was filed (a complaint:
		// finance decides within thirty), with reminders.
		first := r.st.Objections[0]
		days, kind, role, label := domain.ObjectionReplyWorkingDays, "objection", domain.RoleCivilAffairs, "质疑答复"
		if first.Complaint {
			days, kind, role, label = domain.ComplaintDecisionWorkingDays, "complaint", domain.RoleFinance, "投诉处理"
		}
		due, err := r.workingDays(ctx, first.FiledAt, days)
		if err != nil {
			return err
		}
		n := len(r.st.Objections)
		if _, err := r.awaitDue(ctx, due, kind, []store.NoticeTo{{Role: role, District: r.district()}}, label,
			func() bool { return r.epoch != e || len(r.st.Objections) < n }); err != nil {
			return err
		}
		if r.epoch != e {
			return nil
		}
	}
	var awards []domain.Award
	if err := workflow.ExecuteActivity(longOpts(ctx), a.AwardCall, activities.AwardInput{
		CallID: r.in.CallID, Results: r.st.Results,
	}).Get(ctx, &awards); err != nil {
		return err
	}
	// Each award starts its project's workflow, which outlives the call.
	if workflow.GetVersion(ctx, "start-projects", workflow.DefaultVersion, 1) == 1 {
		awardedAt := workflow.Now(ctx)
		for _, aw := range awards {
			cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
				WorkflowID:        ProjectWorkflowID(aw.ID),
				ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
				TypedSearchAttributes: temporal.NewSearchAttributes(
					SAStage.ValueSet(string(domain.ProjectContracting)), SADistrict.ValueSet(r.district()),
					SABrand.ValueSet(string(r.in.Draft.Brand)), SAYear.ValueSet(int64(r.in.Year))),
			})
			child := workflow.ExecuteChildWorkflow(cctx, ProjectWorkflow, ProjectInput{AwardID: aw.ID, CallID: r.in.CallID,
				OrgID: aw.OrgID, District: r.district(), Amount: aw.Amount, AwardedAt: awardedAt, Tranches: r.plan.Tranches,
				HistoryLimit: r.in.HistoryLimit})
			if err := child.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
				return fmt.Errorf("start project %s: %w", aw.ID, err)
			}
		}
	}
	return r.setStage(ctx, domain.StageAwarded, "", domain.System)
}

// awaitDue waits for cond until due, reminding one day before and again at
// the due time (overdue), then keeps waiting. done is false only when the
// workflow context ended.
func (r *callRun) awaitDue(ctx workflow.Context, due time.Time, kind string, to []store.NoticeTo, label string, cond func() bool) (bool, error) {
	remind := func(suffix, text string) error {
		for i, t := range to {
			if err := r.notify(ctx, t, kind+"."+suffix, text, fmt.Sprintf("%s/%s/%d/%d", kind, suffix, due.Unix(), i)); err != nil {
				return err
			}
		}
		return nil
	}
	if wait := due.Add(-24 * time.Hour).Sub(workflow.Now(ctx)); wait > 0 {
		if ok, err := r.await(ctx, wait, cond); err != nil || ok {
			return ok, err
		}
		if err := remind("soon", fmt.Sprintf("征集 %s 的%s将于 %s 到期，请及时办理。", r.st.Number, label, cstTime(due))); err != nil {
			return false, err
		}
	}
	if wait := due.Sub(workflow.Now(ctx)); wait > 0 {
		if ok, err := r.await(ctx, wait, cond); err != nil || ok {
			return ok, err
		}
	}
	if !cond() {
		if err := remind("overdue", fmt.Sprintf("征集 %s 的%s已超过法定时限（%s），请尽快办理。", r.st.Number, label, cstTime(due))); err != nil {
			return false, err
		}
	}
	_, err := r.await(ctx, -1, cond)
	return err == nil, err
}

func cstTime(t time.Time) string { return t.In(domain.ChinaTime).Format("2006年1月2日 15:04") }

func (r *callRun) notify(ctx workflow.Context, to store.NoticeTo, kind, text, dedup string) error {
	return workflow.ExecuteActivity(opts(ctx), a.Notify, activities.NotifyInput{
		CallID: r.in.CallID, To: to, Kind: kind, Text: text, Dedup: r.in.CallID + "/" + dedup,
	}).Get(ctx, nil)
}

func (r *callRun) workingDays(ctx workflow.Context, from time.Time, n int) (time.Time, error) {
	var t time.Time
	err := workflow.ExecuteActivity(opts(ctx), a.AddWorkingDays, activities.WorkingDaysInput{From: from, N: n}).Get(ctx, &t)
	return t, err
}

func (r *callRun) recordDecision(ctx workflow.Context, step string, req DecisionRequest) error {
	at := workflow.Now(ctx)
	if err := workflow.ExecuteActivity(opts(ctx), a.RecordDecision, activities.RecordDecisionInput{
		CallID: r.in.CallID, RequestID: workflow.GetInfo(ctx).WorkflowExecution.ID + "/" + updateID(ctx),
		Decision: domain.CallDecision{Step: step, Approve: req.Approve, Reason: strings.TrimSpace(req.Reason)}, By: req.Actor,
	}).Get(ctx, nil); err != nil {
		return err
	}
	if r.st.Decided == nil {
		r.st.Decided = map[string]DecisionMark{}
	}
	r.st.Decided[step] = DecisionMark{UserID: req.Actor.UserID, Name: req.Actor.Name, At: at, Approve: req.Approve}
	return nil
}

// updateID is the current update's ID (unique per request; the web sets it
// from its idempotency key), used to record a decision once.
func updateID(ctx workflow.Context) string {
	if info := workflow.GetCurrentUpdateInfo(ctx); info != nil {
		return info.ID
	}
	return ""
}

// LongHeartbeat is how long a long activity may go without a heartbeat
// before its attempt counts as lost.
const LongHeartbeat = 30 * time.Second

// opts gives every activity a 30-second attempt and retries with backoff
// until it succeeds or fails for good (non-retryable errors). The timeout
// is also how soon an attempt lost with a crashed worker is tried again.
func opts(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// longOpts is for activities that read or write every bid (opening, award,
// cancellation): up to five minutes an attempt, but heartbeating, so that
// an attempt lost with a crashed or stopped worker is tried again after
// LongHeartbeat, not after the whole five minutes.
func longOpts(ctx workflow.Context) workflow.Context {
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		HeartbeatTimeout:    LongHeartbeat,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
		},
	})
}

// noticeFailure is what a failed notice rendering tells people.
func noticeFailure(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) && ae.Message() != "" {
		return ae.Message()
	}
	return "征集公告 PDF 未能生成，请联系系统管理员。"
}

// noticeRendered refuses to submit or publish a call whose notice could
// not be rendered: a call is never published without its notice.
func (r *callRun) noticeRendered() error {
	if r.st.NoticeFailed != "" {
		return domain.Errorf(domain.CodeConflict, "征集公告尚未生成，不能提交或发布：%s", r.st.NoticeFailed)
	}
	return nil
}
