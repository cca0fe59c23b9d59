package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
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

func (h HandledUpdate) key() string { return h.ID }
func (h HandledUpdate) answer() any { return h.Ack }

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
	// confirming and paying are the tranche requests whose activity is
	// running, by tranche (never carried over: handlers drain first).
	confirming, paying map[int]trancheInFlight
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
		ContractDue: in.AwardedAt.AddDate(0, 0, domain.ContractDays)},
		confirming: map[int]trancheInFlight{}, paying: map[int]trancheInFlight{}}
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

func (pr *projectRun) ready() bool { return pr.created }

func (pr *projectRun) refusal() error {
	if pr.draining {
		return errProjectDraining
	}
	return nil
}

// handledAnswer finds the answer to an update already handled.
func (pr *projectRun) handledAnswer(id string) (any, bool) { return findHandled(pr.handled, id) }

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
		pr.handled = keepHandled(pr.handled, HandledUpdate{ID: id, Ack: ack}, maxHandled)
	}
	return nil
}

// register registers the project's updates, each a validator and a
// handler (methods of projectRun) registered by updateOf: the contract's
// (project_contract.go), the money's (project_money.go) and the
// evaluations' (project_eval.go).
func (pr *projectRun) register(ctx workflow.Context) error {
	return registerUpdates(ctx, pr,
		updateOf(UpdateSetTerms, pr.validateSetTerms, pr.setTerms),
		updateOf(UpdateConfirmContract, pr.validateConfirmContract, pr.confirmContract),
		updateOf(UpdateConfirmTranche, pr.validateConfirmTranche, pr.confirmTranche),
		updateOf(UpdateRecordPayment, pr.validateRecordPayment, pr.recordPayment),
		updateOf(UpdateEvalReport, pr.validateEvalReport, pr.submitEvalReport),
		updateOf(UpdateEvalScore, pr.validateEvalScore, pr.scoreEvaluation),
	)
}
