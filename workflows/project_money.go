package workflows

// A project's money: civil affairs confirms a tranche's condition, finance
// records its payment. Tranches go in order, a condition must hold (the
// contract signed; the mid-term or final evaluation passed), and payments
// never exceed the award.

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// trancheInFlight is a tranche request whose activity is running: a second
// request for the same tranche meanwhile is refused (before this, both
// passed the checks and the second one's voucher was silently dropped).
type trancheInFlight struct {
	By  string
	At  time.Time
	Req string
}

func (pr *projectRun) validateConfirmTranche(ctx workflow.Context, req TrancheRequest) error {
	return pr.validateTranche(ctx, req, false)
}

// confirmTranche records civil affairs' confirmation of a tranche's
// condition.
func (pr *projectRun) confirmTranche(ctx workflow.Context, req TrancheRequest) (ProjectAck, error) {
	return pr.tranche(ctx, req, false)
}

func (pr *projectRun) validateRecordPayment(ctx workflow.Context, req TrancheRequest) error {
	return pr.validateTranche(ctx, req, true)
}

// recordPayment records finance's payment of a confirmed tranche, with its
// voucher.
func (pr *projectRun) recordPayment(ctx workflow.Context, req TrancheRequest) (ProjectAck, error) {
	return pr.tranche(ctx, req, true)
}

// validateTranche accepts a retry of a request already done, and otherwise
// checks it (a request running for the same tranche refuses it).
func (pr *projectRun) validateTranche(ctx workflow.Context, req TrancheRequest, pay bool) error {
	if pr.trancheDone(ctx, req, pay) {
		return nil
	}
	return pr.checkTranche(ctx, req, pay, true)
}

// signing: both sides confirmed the contract and the workflow is
// recording its signature (SignProject), after which the stage is
// delivery. The database says "signed" as soon as that activity
// commits, so people see the project in delivery and ask for money
// meanwhile — for as long as the activity's completion takes to arrive
// (30 s when its worker died just after the commit).
func (pr *projectRun) signing() bool { return pr.st.OrgConfirmed && pr.st.CivilConfirmed }

// trancheDone reports a request that already did what it asks (its update
// ID is the one recorded): a retry, answered with the state, not redone.
func (pr *projectRun) trancheDone(ctx workflow.Context, req TrancheRequest, pay bool) bool {
	st := pr.st
	if req.Index < 0 || req.Index >= len(st.Money) {
		return false
	}
	id, t := updateID(ctx), st.Money[req.Index]
	if pay {
		return id != "" && t.Paid && t.PaidReq == id
	}
	return id != "" && t.Confirmed && t.ConfirmedReq == id
}

// checkTranche checks a confirmation or a payment. inFlightToo: whether a
// request running for the same tranche refuses this one (always in
// validators; in handlers of runs that recorded the "tranche-in-flight"
// version, so older histories replay as run).
func (pr *projectRun) checkTranche(ctx workflow.Context, req TrancheRequest, pay, inFlightToo bool) error {
	in, st := pr.in, pr.st
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
		if !pr.signing() {
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
	if !pay {
		return pr.checkConfirmation(ctx, req, inFlightToo)
	}
	return pr.checkPayment(ctx, req, inFlightToo)
}

// checkConfirmation checks the confirmation of a tranche's condition.
func (pr *projectRun) checkConfirmation(ctx workflow.Context, req TrancheRequest, inFlightToo bool) error {
	st := pr.st
	t := st.Money[req.Index]
	switch f, busy := pr.confirming[req.Index]; {
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

// checkPayment checks the payment of a tranche.
func (pr *projectRun) checkPayment(ctx workflow.Context, req TrancheRequest, inFlightToo bool) error {
	in, st := pr.in, pr.st
	t := st.Money[req.Index]
	var paid domain.Fen
	for _, m := range st.Money {
		if m.Paid {
			paid += m.Amount
		}
	}
	switch f, busy := pr.paying[req.Index]; {
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
	switch n := len([]rune(req.VoucherNo)); {
	case n == 0:
		return domain.FieldErrors{"voucher_no": "请填写付款凭证号。"}.Err()
	case n < 2:
		return domain.FieldErrors{"voucher_no": "付款凭证号太短，请填写完整（至少 2 个字）。"}.Err()
	case n > 50:
		return domain.FieldErrors{"voucher_no": fmt.Sprintf("付款凭证号过长（%d 个字），不能超过 50 个字。", n)}.Err()
	}
	return auth.SeparationOfDuties(req.Actor, auth.Decision{Earlier: []int64{t.ConfirmedBy}})
}

// tranche records a confirmation or payment once: a retry of the same
// request returns the state; a request arriving while another for the
// same tranche is running is refused (checked again here, after the
// validator, as the other may have started since).
func (pr *projectRun) tranche(ctx workflow.Context, req TrancheRequest, pay bool) (ProjectAck, error) {
	in, st := pr.in, pr.st
	if pr.trancheDone(ctx, req, pay) {
		return st.ack(), nil
	}
	// A request accepted while the signing was being recorded waits for
	// it. (Validators refused such requests before, so no earlier
	// history reaches this wait: it adds no command to them.)
	if st.Stage == domain.ProjectContracting && pr.signing() {
		if err := workflow.Await(ctx, func() bool { return st.Stage != domain.ProjectContracting }); err != nil {
			return ProjectAck{}, err
		}
	}
	inFlightToo := workflow.GetVersion(ctx, "tranche-in-flight", workflow.DefaultVersion, 1) == 1
	if err := pr.checkTranche(ctx, req, pay, inFlightToo); err != nil {
		return ProjectAck{}, toApplicationError(err)
	}
	busy, act := pr.confirming, a.ConfirmTranche
	if pay {
		busy, act = pr.paying, a.RecordPayment
	}
	t := &st.Money[req.Index]
	now := workflow.Now(ctx)
	busy[req.Index] = trancheInFlight{By: req.Actor.Name, At: now, Req: updateID(ctx)}
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
