package workflows

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// handle registers one of the call's updates (see updateOf).
func handle[Req, Res any](r *callRun, ctx workflow.Context, name string, validate func(workflow.Context, Req) error,
	run func(workflow.Context, Req) (Res, error)) error {
	return updateOf(name, validate, run)(ctx, r)
}

// HandledCallUpdate is an update a call's run completed, with its answer
// (one of the answer types the call's updates give).
type HandledCallUpdate struct {
	ID         string
	Ack        *Ack               `json:",omitempty"`
	Objection  *ObjectionAck      `json:",omitempty"`
	Receipt    *domain.Receipt    `json:",omitempty"`
	Attachment *domain.Attachment `json:",omitempty"`
}

func (h HandledCallUpdate) answer() any {
	switch {
	case h.Ack != nil:
		return *h.Ack
	case h.Objection != nil:
		return *h.Objection
	case h.Receipt != nil:
		return *h.Receipt
	case h.Attachment != nil:
		return *h.Attachment
	}
	return nil
}

// maxHandledCall bounds the handled updates a call's run carries on to the
// next: the most recent ones (a person's retry comes within minutes).
const maxHandledCall = 128

// remember keeps an update's answer for a request sent again.
func (r *callRun) remember(id string, res any) {
	h := HandledCallUpdate{ID: id}
	switch v := res.(type) {
	case Ack:
		h.Ack = &v
	case ObjectionAck:
		h.Objection = &v
	case domain.Receipt:
		h.Receipt = &v
	case domain.Attachment:
		h.Attachment = &v
	}
	if id == "" || h.answer() == nil {
		return
	}
	r.handled = append(r.handled, h)
	if n := len(r.handled); n > maxHandledCall {
		r.handled = slices.Delete(r.handled, 0, n-maxHandledCall)
	}
}

func (r *callRun) ready() bool { return r.created }

func (r *callRun) refusal() error {
	if r.draining {
		return errDraining
	}
	return nil
}

// handledAnswer finds the answer to an update already handled.
func (r *callRun) handledAnswer(id string) (any, bool) {
	if id == "" {
		return nil, false
	}
	for _, h := range r.handled {
		if h.ID == id {
			return h.answer(), true
		}
	}
	return nil, false
}

// recheck: a call's stage may have moved while an update waited its turn.
func (r *callRun) recheck() bool { return true }

func (r *callRun) settle(id string, res any, err error) error {
	if err == nil {
		r.remember(id, res)
	}
	return toApplicationError(DomainError(err))
}

// acked is an update's small result, read after err's step (a stage move)
// is done.
func (r *callRun) acked(err error) (Ack, error) {
	return Ack{Stage: r.st.Stage}, err
}

func (r *callRun) stageIs(want ...domain.CallStage) error {
	if slices.Contains(want, r.st.Stage) {
		return nil
	}
	labels := make([]string, len(want))
	for i, s := range want {
		labels[i] = "“" + s.Label() + "”"
	}
	return domain.Errorf(domain.CodeConflict, "征集现处于“%s”阶段，此操作只能在%s阶段办理。请刷新页面查看最新状态。",
		r.st.Stage.Label(), strings.Join(labels, "或"))
}

func (r *callRun) register(ctx workflow.Context) error {
	st := r.st
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (CallState, error) { return *st, nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateAwaitDraft, func(ctx workflow.Context) (Ack, error) {
		if err := workflow.Await(ctx, func() bool { return r.created || r.createErr != nil }); err != nil {
			return Ack{}, err
		}
		if r.createErr != nil {
			return Ack{}, toApplicationError(r.createErr)
		}
		return r.acked(nil)
	}); err != nil {
		return err
	}
	district := r.district()

	type setup func() error
	for _, f := range []setup{
		func() error {
			return handle(r, ctx, UpdateAttachDocument, func(_ workflow.Context, req AttachDocumentRequest) error {
				if err := auth.Authorize(req.Actor.User(), auth.ActionAttachDocument, district); err != nil {
					return err
				}
				if err := r.stageIs(domain.StageDraft); err != nil {
					return err
				}
				att := req.Attachment
				if att.ID == "" || att.ObjectKey == "" || len(att.SHA256) != 64 || strings.TrimSpace(att.FileName) == "" {
					return domain.Errorf(domain.CodeInvalid, "附件信息不完整，请重新上传。")
				}
				return nil
			}, func(ctx workflow.Context, req AttachDocumentRequest) (domain.Attachment, error) {
				att := req.Attachment
				att.CallID = r.in.CallID
				att.UploadedBy = req.Actor.UserID
				if err := workflow.ExecuteActivity(opts(ctx), a.RecordAttachment,
					activities.RecordAttachmentInput{Attachment: att, By: req.Actor}).Get(ctx, nil); err != nil {
					return domain.Attachment{}, err
				}
				r.noticeDirty = true
				return att, nil
			})
		},
		func() error {
			return handle(r, ctx, UpdateCancel, func(_ workflow.Context, req CancelRequest) error {
				if err := auth.Authorize(req.Actor.User(), auth.ActionCancelCall, district); err != nil {
					return err
				}
				if st.Stage.Final() {
					return domain.Errorf(domain.CodeConflict, "征集已处于“%s”阶段，不能撤销。", st.Stage.Label())
				}
				return domain.ValidateReason(req.Reason)
			}, func(ctx workflow.Context, req CancelRequest) (Ack, error) {
				reason := strings.TrimSpace(req.Reason)
				if err := r.setStage(ctx, domain.StageCancelled, reason, req.Actor); err != nil {
					return Ack{}, err
				}
				if err := workflow.ExecuteActivity(longOpts(ctx), a.CancelBids, activities.CancelCallInput{
					CallID: r.in.CallID, Reason: reason,
				}).Get(ctx, nil); err != nil {
					return Ack{}, err
				}
				return r.acked(nil)
			})
		},
		func() error {
			return handle(r, ctx, UpdateSubmit, func(ctx workflow.Context, req SubmitRequest) error {
				if err := auth.Authorize(req.Actor.User(), auth.ActionSubmitCall, district); err != nil {
					return err
				}
				if err := r.decidingOther(ctx, "submit"); err != nil {
					return err
				}
				if st.Stage != domain.StageDraft {
					if err := r.alreadyDecided("submit"); err != nil {
						return err
					}
				}
				if err := r.stageIs(domain.StageDraft); err != nil {
					return err
				}
				return r.noticeRendered()
			}, func(ctx workflow.Context, req SubmitRequest) (Ack, error) {
				defer r.startDeciding(ctx, "submit", "发布审核申请", req.Actor)()
				if err := r.recordDecision(ctx, "submit", DecisionRequest{Actor: req.Actor, Approve: true}); err != nil {
					return Ack{}, err
				}
				st.SubmittedBy = req.Actor.UserID
				return r.acked(r.setStage(ctx, domain.StagePublishReview, "", req.Actor))
			})
		},
		func() error {
			return handle(r, ctx, UpdateReviewPublish, func(ctx workflow.Context, req DecisionRequest) error {
				action := auth.ActionPublishCall
				if r.plan.ModeChanged {
					action = auth.ActionApproveReissue // 政府采购法 §36–37: a change of mode needs finance
				}
				if err := auth.Authorize(req.Actor.User(), action, district); err != nil {
					return err
				}
				if err := r.decidingOther(ctx, "publish"); err != nil {
					return err
				}
				if st.Stage != domain.StagePublishReview {
					if err := r.alreadyDecided("publish"); err != nil {
						return err
					}
				}
				if err := r.stageIs(domain.StagePublishReview); err != nil {
					return err
				}
				if err := auth.SeparationOfDuties(req.Actor, auth.Decision{Earlier: []int64{st.SubmittedBy}}); err != nil {
					return err
				}
				if req.Approve {
					if err := r.noticeRendered(); err != nil {
						return err
					}
				}
				return rejectionReason(req)
			}, func(ctx workflow.Context, req DecisionRequest) (Ack, error) {
				defer r.startDeciding(ctx, "publish", "发布审核意见", req.Actor)()
				if err := r.recordDecision(ctx, "publish", req); err != nil {
					return Ack{}, err
				}
				if !req.Approve {
					return r.acked(r.setStage(ctx, domain.StageDraft, "发布审核退回："+strings.TrimSpace(req.Reason), req.Actor))
				}
				var pub activities.PublishResult
				if err := workflow.ExecuteActivity(opts(ctx), a.PublishCall, r.in.CallID).Get(ctx, &pub); err != nil {
					return Ack{}, err
				}
				st.Deadline = pub.Deadline
				r.noticeDirty = true
				return r.acked(r.setStage(ctx, domain.StageBidding, pub.CalendarNote, req.Actor))
			})
		},
		func() error {
			return handle(r, ctx, UpdateClarify, func(ctx workflow.Context, req ClarifyRequest) error {
				if err := auth.Authorize(req.Actor.User(), auth.ActionClarify, district); err != nil {
					return err
				}
				if err := r.stageIs(domain.StageBidding); err != nil {
					return err
				}
				if r.opening || !workflow.Now(ctx).Before(st.Deadline) {
					return domain.Errorf(domain.CodeConflict, "投标已截止，不能再发布澄清。")
				}
				fe := domain.FieldErrors{}
				if n := utf8.RuneCountInString(strings.TrimSpace(req.Title)); n < 2 || n > 100 {
					fe.Add("title", "请填写澄清标题（2 至 100 字）。")
				}
				if n := utf8.RuneCountInString(strings.TrimSpace(req.Body)); n < 10 || n > 10000 {
					fe.Add("body", "请写明澄清或修改的内容（10 至 10000 字）。")
				}
				if req.ID == "" {
					fe.Add("title", "请求缺少编号，请刷新页面后重试。")
				}
				return fe.Err()
			}, func(ctx workflow.Context, req ClarifyRequest) (Ack, error) {
				var deadline = st.Deadline
				if err := workflow.ExecuteActivity(opts(ctx), a.Clarify, activities.ClarifyInput{
					Clarification: domain.Clarification{ID: req.ID, CallID: r.in.CallID, Title: strings.TrimSpace(req.Title),
						Body: strings.TrimSpace(req.Body), Material: req.Material, DeadlineFrom: st.Deadline},
					By: req.Actor,
				}).Get(ctx, &deadline); err != nil {
					return Ack{}, err
				}
				if !deadline.Equal(st.Deadline) && !r.opening {
					st.Deadline = deadline
					r.deadlineMoved = true
					r.noticeDirty = true
				}
				return r.acked(nil)
			})
		},
		func() error {
			return handle(r, ctx, UpdateSubmitBid, func(ctx workflow.Context, req BidRequest) error {
				if err := r.bidderMayAct(ctx, req.Actor); err != nil {
					return err
				}
				if req.Bid.OrgID != req.Actor.OrgID || req.Bid.ID == "" || len(req.Bid.Parts) < 4 {
					return domain.Errorf(domain.CodeInvalid, "投标文件不完整，请重新提交。")
				}
				return nil
			}, func(ctx workflow.Context, req BidRequest) (domain.Receipt, error) {
				b := req.Bid
				b.CallID = r.in.CallID
				var rc domain.Receipt
				if err := workflow.ExecuteActivity(opts(ctx), a.RecordBid, activities.RecordBidInput{Bid: b, By: req.Actor}).Get(ctx, &rc); err != nil {
					return domain.Receipt{}, err
				}
				st.Bids[b.OrgID] = b.ID
				return rc, nil
			})
		},
		func() error {
			return handle(r, ctx, UpdateWithdrawBid, func(ctx workflow.Context, req WithdrawRequest) error {
				if err := r.bidderMayAct(ctx, req.Actor); err != nil {
					return err
				}
				if _, ok := st.Bids[req.Actor.OrgID]; !ok {
					return domain.Errorf(domain.CodeNotFound, "您单位在本次征集中没有可撤回的投标。")
				}
				return nil
			}, func(ctx workflow.Context, req WithdrawRequest) (Ack, error) {
				if err := workflow.ExecuteActivity(opts(ctx), a.WithdrawBid, activities.WithdrawBidInput{
					CallID: r.in.CallID, OrgID: req.Actor.OrgID, By: req.Actor,
				}).Get(ctx, nil); err != nil {
					return Ack{}, err
				}
				delete(st.Bids, req.Actor.OrgID)
				return r.acked(nil)
			})
		},
		func() error {
			return handle(r, ctx, UpdateQualify, func(_ workflow.Context, req QualifyRequest) error {
				if err := auth.Authorize(req.Actor.User(), auth.ActionQualify, district); err != nil {
					return err
				}
				if err := r.stageIs(domain.StageQualification); err != nil {
					return err
				}
				return r.validateQualification(req.Decisions)
			}, func(ctx workflow.Context, req QualifyRequest) (Ack, error) {
				if err := workflow.ExecuteActivity(opts(ctx), a.QualifyBids, activities.QualifyInput{
					CallID: r.in.CallID, Decisions: req.Decisions, By: req.Actor,
				}).Get(ctx, nil); err != nil {
					return Ack{}, err
				}
				st.Qualified = map[string]bool{}
				for _, d := range req.Decisions {
					st.Qualified[d.BidID] = d.Qualified
				}
				if n := len(r.validBids()); n < r.plan.MinBidders {
					return r.acked(r.setStage(ctx, domain.StageFailed,
						fmt.Sprintf("资格审查后有效投标 %d 份，少于最少有效投标人数 %d，流标（政府采购法 §36）。可重新组织征集。", n, r.plan.MinBidders), req.Actor))
				}
				next := domain.StagePanel
				if r.panelConfirmed() {
					next = domain.StageScoring // re-qualification after an upheld objection keeps the panel
				}
				return r.acked(r.setStage(ctx, next, "", req.Actor))
			})
		},
		func() error {
			return handle(r, ctx, UpdateRedrawPanel, func(_ workflow.Context, req RedrawRequest) error {
				if err := auth.Authorize(req.Actor.User(), auth.ActionManagePanel, district); err != nil {
					return err
				}
				if err := r.stageIs(domain.StagePanel); err != nil {
					return err
				}
				if st.PanelShort == "" {
					return domain.Errorf(domain.CodeConflict, "评审小组抽取正常进行中，无需重新抽取。")
				}
				return nil
			}, func(ctx workflow.Context, req RedrawRequest) (Ack, error) {
				r.panelRedraw = true
				return r.acked(nil)
			})
		},
		func() error {
			return handle(r, ctx, UpdateDeclare, func(_ workflow.Context, req DeclareRequest) error {
				if err := auth.Authorize(req.Actor.User(), auth.ActionScore, ""); err != nil {
					return err
				}
				if err := r.stageIs(domain.StagePanel); err != nil {
					return err
				}
				i := r.seat(req.Actor.UserID)
				if i < 0 {
					return domain.Errorf(domain.CodeForbidden, "您不在本次征集的评审小组中。")
				}
				if st.Panel[i].Confirmed {
					return domain.Errorf(domain.CodeConflict, "您已声明过无利害关系。")
				}
				if req.Conflict {
					return domain.ValidateReason(req.Reason)
				}
				return nil
			}, func(ctx workflow.Context, req DeclareRequest) (Ack, error) {
				if err := workflow.ExecuteActivity(opts(ctx), a.Declare, activities.DeclareInput{
					CallID: r.in.CallID, UserID: req.Actor.UserID, Conflict: req.Conflict, Reason: strings.TrimSpace(req.Reason), By: req.Actor,
				}).Get(ctx, nil); err != nil {
					return Ack{}, err
				}
				i := r.seat(req.Actor.UserID)
				if req.Conflict {
					// The seat empties; the panel loop draws a replacement.
					st.Panel = slices.Delete(st.Panel, i, i+1)
				} else {
					st.Panel[i].Confirmed = true
				}
				return r.acked(nil)
			})
		},
		func() error {
			return handle(r, ctx, UpdateScore, func(_ workflow.Context, req ScoreRequest) error {
				if err := auth.Authorize(req.Actor.User(), auth.ActionScore, ""); err != nil {
					return err
				}
				if err := r.stageIs(domain.StageScoring); err != nil {
					return err
				}
				if i := r.seat(req.Actor.UserID); i < 0 || !st.Panel[i].Confirmed {
					return domain.Errorf(domain.CodeForbidden, "您不在本次征集的评审小组中，或尚未声明无利害关系。")
				}
				if !st.Qualified[req.BidID] {
					return domain.Errorf(domain.CodeNotFound, "该投标不在评审范围内（未通过资格审查或不存在）。")
				}
				return r.plan.ValidateSheet(req.Points, req.Comment)
			}, func(ctx workflow.Context, req ScoreRequest) (Ack, error) {
				sh := domain.ScoreSheet{Expert: req.Actor.UserID, BidID: req.BidID, Points: req.Points,
					Comment: strings.TrimSpace(req.Comment), At: workflow.Now(ctx)}
				if err := workflow.ExecuteActivity(opts(ctx), a.RecordScore, activities.RecordScoreInput{
					CallID: r.in.CallID, Sheet: sh, By: req.Actor,
				}).Get(ctx, nil); err != nil {
					return Ack{}, err
				}
				st.Scores[scoreKey(sh.Expert, sh.BidID)] = sh
				return r.acked(nil)
			})
		},
		func() error {
			return handle(r, ctx, UpdateApprove, func(ctx workflow.Context, req DecisionRequest) error {
				// A decision this approver's side already made (or is
				// making) is a conflict naming who made it and when.
				may := map[string]bool{
					"civil":   auth.Authorize(req.Actor.User(), auth.ActionApproveAward, district) == nil,
					"finance": auth.Authorize(req.Actor.User(), auth.ActionFinanceApprove, district) == nil,
				}
				mine := func() error {
					for _, step := range []string{"finance", "civil"} {
						if may[step] && stepOfStage[st.Stage] != step {
							if err := r.alreadyDecided(step); err != nil {
								return err
							}
						}
					}
					return nil
				}
				if may["civil"] || may["finance"] {
					if err := r.decidingOther(ctx, "award"); err != nil {
						return err
					}
				}
				if err := r.stageIs(domain.StageCivilApproval, domain.StageFinanceApproval); err != nil {
					if e := mine(); e != nil {
						return e
					}
					return err
				}
				action, earlier := auth.ActionApproveAward, []int64{}
				if st.Stage == domain.StageFinanceApproval {
					action, earlier = auth.ActionFinanceApprove, []int64{st.CivilApprover}
				}
				if err := auth.Authorize(req.Actor.User(), action, district); err != nil {
					if e := mine(); e != nil {
						return e
					}
					return err
				}
				if err := auth.SeparationOfDuties(req.Actor, auth.Decision{Earlier: earlier, Orgs: r.recommendedOrgs()}); err != nil {
					return err
				}
				return rejectionReason(req)
			}, func(ctx workflow.Context, req DecisionRequest) (Ack, error) {
				civil := st.Stage == domain.StageCivilApproval
				step := map[bool]string{true: "civil", false: "finance"}[civil]
				defer r.startDeciding(ctx, "award", stepLabels[step]+"意见", req.Actor)()
				if err := r.recordDecision(ctx, step, req); err != nil {
					return Ack{}, err
				}
				reason := strings.TrimSpace(req.Reason)
				switch {
				case civil && req.Approve:
					st.CivilApprover = req.Actor.UserID
					return r.acked(r.setStage(ctx, domain.StageFinanceApproval, "", req.Actor))
				case civil:
					// Back to the panel, which reviews and re-submits its scores.
					st.Scores = map[string]domain.ScoreSheet{}
					return r.acked(r.setStage(ctx, domain.StageScoring, "民政审批退回，请评审小组复核评分："+reason, req.Actor))
				case req.Approve:
					return r.acked(r.setStage(ctx, domain.StagePublicity, "", req.Actor))
				default:
					st.CivilApprover = 0
					return r.acked(r.setStage(ctx, domain.StageCivilApproval, "财政审批退回："+reason, req.Actor))
				}
			})
		},
		func() error {
			return handle(r, ctx, UpdateObject, func(ctx workflow.Context, req ObjectionRequest) error {
				if err := r.stageIs(domain.StagePublicity); err != nil {
					return err
				}
				if st.ObjectionUntil.IsZero() || !workflow.Now(ctx).Before(st.ObjectionUntil) {
					return domain.Errorf(domain.CodeConflict, "质疑期已结束（%s），不再受理质疑。", cstTime(st.ObjectionUntil))
				}
				if req.ID == "" {
					return domain.Errorf(domain.CodeInvalid, "请求缺少编号，请刷新页面后重试。")
				}
				if req.ComplaintOf != "" {
					i := slices.IndexFunc(st.Answered, func(a AnsweredObjection) bool { return a.ID == req.ComplaintOf })
					switch {
					case i < 0:
						return domain.Errorf(domain.CodeConflict, "只能对已答复且未被支持的质疑提出投诉。")
					case !workflow.Now(ctx).Before(st.Answered[i].ComplaintUntil):
						return domain.Errorf(domain.CodeConflict, "投诉期限（质疑答复后 15 个工作日，%s）已过。", cstTime(st.Answered[i].ComplaintUntil))
					case st.Answered[i].Complained:
						return domain.Errorf(domain.CodeConflict, "已就该质疑答复提出过投诉。")
					}
				}
				if legacyObjection(req) {
					// Recorded before suppliers alone could object; replayed only.
					return req.Input.Validate()
				}
				route, err := domain.RouteObjection(r.objectionStanding(req), req.ComplaintOf != "")
				if err != nil {
					return err
				}
				if !route.HoldsAward() {
					return domain.Errorf(domain.CodeForbidden, "只有参加本次投标的供应商可以提出质疑（政府采购法 §52）；其他单位和个人的意见请通过公众意见提交。")
				}
				return nil
			}, func(ctx workflow.Context, req ObjectionRequest) (ObjectionAck, error) {
				now := workflow.Now(ctx)
				org := req.Actor.OrgID
				if legacyObjection(req) {
					o := domain.Objection{ID: req.ID, CallID: r.in.CallID, Name: strings.TrimSpace(req.Input.Name), ComplaintOf: req.ComplaintOf,
						Reason: strings.TrimSpace(req.Input.Reason), Attachment: req.Attachment, FiledAt: now}
					if err := workflow.ExecuteActivity(opts(ctx), a.RecordObjection, activities.RecordObjectionInput{
						Objection: o, Contact: strings.TrimSpace(req.Input.Contact), By: req.Actor,
					}).Get(ctx, nil); err != nil {
						return ObjectionAck{}, err
					}
					st.Objections = append(st.Objections, OpenObjection{ID: req.ID, FiledAt: now, Complaint: req.ComplaintOf != ""})
					return ObjectionAck{ID: req.ID, FiledAt: now}, nil
				}
				// The objection holds the award, and the objector's one
				// challenge (or one complaint) is taken, before the activity:
				// the award waits for it, and a second one arriving meanwhile
				// is refused by the handler's own check.
				st.Objections = append(st.Objections, OpenObjection{ID: req.ID, FiledAt: now, Complaint: req.ComplaintOf != "", OrgID: org})
				answered := slices.IndexFunc(st.Answered, func(a AnsweredObjection) bool { return a.ID == req.ComplaintOf })
				if req.ComplaintOf == "" {
					st.Objected = append(st.Objected, org)
				} else if answered >= 0 {
					st.Answered[answered].Complained = true
				}
				if err := workflow.ExecuteActivity(opts(ctx), a.FileObjection, activities.FileObjectionInput{
					CallID: r.in.CallID, ID: req.ID, OrgID: org, ComplaintOf: req.ComplaintOf, FiledAt: now, By: req.Actor,
				}).Get(ctx, nil); err != nil {
					st.Objections = slices.DeleteFunc(st.Objections, func(o OpenObjection) bool { return o.ID == req.ID })
					if req.ComplaintOf == "" {
						st.Objected = slices.DeleteFunc(st.Objected, func(o int64) bool { return o == org })
					} else if i := slices.IndexFunc(st.Answered, func(a AnsweredObjection) bool { return a.ID == req.ComplaintOf }); i >= 0 {
						st.Answered[i].Complained = false
					}
					return ObjectionAck{}, err
				}
				return ObjectionAck{ID: req.ID, FiledAt: now}, nil
			})
		},
		func() error {
			return handle(r, ctx, UpdateAnswerObjection, func(_ workflow.Context, req AnswerRequest) error {
				i := r.objection(req.ObjectionID)
				// Objections are answered by civil affairs, complaints decided by finance.
				action := auth.ActionAnswerObjection
				if i >= 0 && st.Objections[i].Complaint {
					action = auth.ActionFinanceApprove
				}
				if err := auth.Authorize(req.Actor.User(), action, district); err != nil {
					return err
				}
				if err := r.stageIs(domain.StagePublicity); err != nil {
					return err
				}
				if i < 0 {
					return domain.Errorf(domain.CodeNotFound, "找不到该质疑，或它已经答复。")
				}
				fe := domain.FieldErrors{}
				if n := utf8.RuneCountInString(strings.TrimSpace(req.Answer)); n < 10 || n > 5000 {
					fe.Add("answer", "请写明答复意见及依据（10 至 5000 字），答复将公开。")
				}
				if req.Upheld && req.ReturnTo != domain.StageQualification && req.ReturnTo != domain.StageScoring {
					fe.Add("return_to", "质疑成立时，请选择退回资格审查或专家评审。")
				}
				return fe.Err()
			}, func(ctx workflow.Context, req AnswerRequest) (Ack, error) {
				returnTo := domain.CallStage("")
				if req.Upheld {
					returnTo = req.ReturnTo
				}
				if err := workflow.ExecuteActivity(opts(ctx), a.AnswerObjection, activities.AnswerObjectionInput{
					CallID: r.in.CallID, ObjectionID: req.ObjectionID, Upheld: req.Upheld, Answer: strings.TrimSpace(req.Answer),
					ReturnTo: returnTo, By: req.Actor,
				}).Get(ctx, nil); err != nil {
					return Ack{}, err
				}
				i := r.objection(req.ObjectionID)
				complaint, org := st.Objections[i].Complaint, st.Objections[i].OrgID
				st.Objections = slices.Delete(st.Objections, i, i+1)
				if !req.Upheld {
					if !complaint {
						until, err := r.workingDays(ctx, workflow.Now(ctx), domain.ComplaintWorkingDays)
						if err != nil {
							return Ack{}, err
						}
						st.Answered = append(st.Answered, AnsweredObjection{ID: req.ObjectionID, ComplaintUntil: until, OrgID: org})
					}
					return r.acked(nil)
				}
				// Upheld: every other open objection is moot (the result will be
				// published again), the approvals start over.
				st.Objections = nil
				st.CivilApprover = 0
				delete(st.Decided, "civil")
				delete(st.Decided, "finance")
				st.Scores = map[string]domain.ScoreSheet{}
				if returnTo == domain.StageQualification {
					st.Qualified = map[string]bool{}
				}
				return r.acked(r.setStage(ctx, returnTo, "质疑成立，退回重新"+returnTo.Label()+"。", req.Actor))
			})
		},
		func() error {
			return handle(r, ctx, UpdateRequestRecusal, func(_ workflow.Context, req RecusalRequest) error {
				if err := auth.AuthorizeTarget(req.Actor.User(), auth.ActionBid, auth.Target{OrgID: req.Actor.OrgID}); err != nil {
					return err
				}
				if err := r.stageIs(domain.StagePanel, domain.StageScoring); err != nil {
					return err
				}
				if !slices.ContainsFunc(r.validBids(), func(b activities.OpenedBid) bool { return b.OrgID == req.Actor.OrgID }) {
					return domain.Errorf(domain.CodeForbidden, "只有参加评审的投标人可以申请专家回避。")
				}
				if req.ID == "" {
					return domain.Errorf(domain.CodeInvalid, "请求缺少编号，请刷新页面后重试。")
				}
				if n := utf8.RuneCountInString(strings.TrimSpace(req.Reason)); n < 10 || n > 2000 {
					return domain.FieldErrors{"reason": "请写明申请回避的专家（可描述其身份）及利害关系的事实（10 至 2000 字）。"}.Err()
				}
				return nil
			}, func(ctx workflow.Context, req RecusalRequest) (Ack, error) {
				q := domain.RecusalRequest{ID: req.ID, CallID: r.in.CallID, OrgID: req.Actor.OrgID, Reason: strings.TrimSpace(req.Reason)}
				if err := workflow.ExecuteActivity(opts(ctx), a.RecordRecusalRequest, activities.RecusalRequestInput{Request: q, By: req.Actor}).Get(ctx, nil); err != nil {
					return Ack{}, err
				}
				st.Recusals = append(st.Recusals, OpenRecusal{ID: q.ID, OrgID: q.OrgID})
				return r.acked(nil)
			})
		},
		func() error {
			return handle(r, ctx, UpdateDecideRecusal, func(_ workflow.Context, req RecusalDecision) error {
				if err := auth.Authorize(req.Actor.User(), auth.ActionManagePanel, district); err != nil {
					return err
				}
				if err := r.stageIs(domain.StagePanel, domain.StageScoring); err != nil {
					return err
				}
				if !slices.ContainsFunc(st.Recusals, func(q OpenRecusal) bool { return q.ID == req.RequestID }) {
					return domain.Errorf(domain.CodeNotFound, "找不到该回避申请，或它已经处理。")
				}
				fe := domain.FieldErrors{}
				if req.Upheld && !slices.ContainsFunc(st.Panel, func(s Seat) bool { return s.Seq == req.Seat }) {
					fe.Add("seat", "请选择评审小组中应当回避的专家（专家编号）。")
				}
				if n := utf8.RuneCountInString(strings.TrimSpace(req.Answer)); n < 4 || n > 1000 {
					fe.Add("answer", "请写明审查意见（4 至 1000 字），将告知申请人。")
				}
				return fe.Err()
			}, func(ctx workflow.Context, req RecusalDecision) (Ack, error) {
				i := slices.IndexFunc(st.Recusals, func(q OpenRecusal) bool { return q.ID == req.RequestID })
				q := st.Recusals[i]
				if err := workflow.ExecuteActivity(opts(ctx), a.DecideRecusal, activities.DecideRecusalInput{
					CallID: r.in.CallID, RequestID: q.ID, OrgID: q.OrgID, Upheld: req.Upheld, Seat: req.Seat,
					Answer: strings.TrimSpace(req.Answer), By: req.Actor,
				}).Get(ctx, nil); err != nil {
					return Ack{}, err
				}
				st.Recusals = slices.Delete(st.Recusals, i, i+1)
				if !req.Upheld {
					return r.acked(nil)
				}
				// The expert leaves; their scores no longer count; a replacement
				// is drawn, declares and scores.
				j := slices.IndexFunc(st.Panel, func(s Seat) bool { return s.Seq == req.Seat })
				gone := st.Panel[j]
				st.Panel = slices.Delete(st.Panel, j, j+1)
				for _, b := range st.Opened {
					delete(st.Scores, scoreKey(gone.UserID, b.BidID))
				}
				if st.Stage == domain.StageScoring {
					return r.acked(r.setStage(ctx, domain.StagePanel, "投标人申请专家回避成立，另行抽取专家。", req.Actor))
				}
				return r.acked(nil)
			})
		},
	} {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// stepOfStage is the decision step a stage waits for.
var stepOfStage = map[domain.CallStage]string{
	domain.StageDraft: "submit", domain.StagePublishReview: "publish",
	domain.StageCivilApproval: "civil", domain.StageFinanceApproval: "finance",
}

var stepLabels = map[string]string{"submit": "发布审核申请", "publish": "发布审核", "civil": "民政审批", "finance": "财政审批"}

// decidingOther refuses a decision request while another request of the
// same group (submit, publish, award) is being carried out.
func (r *callRun) decidingOther(ctx workflow.Context, group string) error {
	d, ok := r.deciding[group]
	if !ok || d.Req == updateID(ctx) {
		return nil
	}
	return domain.Errorf(domain.CodeConflict, "%s已由 %s 于 %s 提交，正在办理，不能重复提交；请稍后刷新页面查看结果。", d.Label, d.By, cstTime(d.At))
}

// alreadyDecided refuses a request for a step decided in this round,
// saying who decided it, when and which way.
func (r *callRun) alreadyDecided(step string) error {
	d, ok := r.st.Decided[step]
	if !ok {
		return nil
	}
	verdict := "同意"
	switch {
	case step == "submit":
		verdict = "已提交"
	case !d.Approve:
		verdict = "退回"
	}
	return domain.Errorf(domain.CodeConflict, "%s已由 %s 于 %s 办理（%s），无需重复办理。请刷新页面查看最新状态。", stepLabels[step], d.Name, cstTime(d.At), verdict)
}

// startDeciding marks a decision request as being carried out until the
// returned func runs; only in runs that recorded the "decision-in-flight"
// version, so that histories from before replay as they ran.
func (r *callRun) startDeciding(ctx workflow.Context, group, label string, by Actor) func() {
	if workflow.GetVersion(ctx, "decision-in-flight", workflow.DefaultVersion, 1) != 1 {
		return func() {}
	}
	if r.deciding == nil {
		r.deciding = map[string]inFlightDecision{}
	}
	r.deciding[group] = inFlightDecision{Label: label, By: by.Name, At: workflow.Now(ctx), Req: updateID(ctx)}
	return func() { delete(r.deciding, group) }
}

func rejectionReason(req DecisionRequest) error {
	if req.Approve {
		return nil
	}
	return domain.ValidateReason(req.Reason)
}

// errDraining refuses an update while the run drains before continuing as
// new; the service sends it again, to the next run.
var errDraining = temporal.NewNonRetryableApplicationError("征集流程正在转入新的记录段，请稍后重试。", ErrTypeDraining, nil)

// ErrTypeDraining is the error type of an update refused while its
// workflow continues as new.
const ErrTypeDraining = "draining"

// legacyObjection is an objection update recorded before the service wrote
// objections itself: it carries the text.
func legacyObjection(req ObjectionRequest) bool { return req.Input.Reason != "" }

// objectionStanding is what the law asks of the objector, from the
// workflow's own memory: whether they act for an organisation whose bid
// was opened, whether it challenged this result already, whether it filed
// the objection a complaint is about.
func (r *callRun) objectionStanding(req ObjectionRequest) domain.ObjectionStanding {
	org := req.Actor.OrgID
	s := domain.ObjectionStanding{
		Supplier: org != 0 && auth.AuthorizeTarget(req.Actor.User(), auth.ActionBid, auth.Target{OrgID: org}) == nil,
	}
	if org == 0 {
		return s
	}
	s.TookPart = slices.ContainsFunc(r.st.Opened, func(b activities.OpenedBid) bool { return b.OrgID == org })
	s.Objected = slices.Contains(r.st.Objected, org)
	if req.ComplaintOf != "" {
		s.ObjectorOf = slices.ContainsFunc(r.st.Answered, func(a AnsweredObjection) bool { return a.ID == req.ComplaintOf && a.OrgID == org })
	}
	return s
}

func (r *callRun) objection(id string) int {
	return slices.IndexFunc(r.st.Objections, func(o OpenObjection) bool { return o.ID == id })
}

func (r *callRun) seat(userID int64) int {
	return slices.IndexFunc(r.st.Panel, func(s Seat) bool { return s.UserID == userID })
}

func (r *callRun) recommendedOrgs() []int64 {
	var out []int64
	for _, b := range r.st.Results {
		if b.Recommended {
			out = append(out, b.OrgID)
		}
	}
	return out
}

// bidderMayAct checks a bid action: an organisation member of its own
// organisation, during bidding, strictly before the deadline.
func (r *callRun) bidderMayAct(ctx workflow.Context, actor Actor) error {
	if err := auth.AuthorizeTarget(actor.User(), auth.ActionBid, auth.Target{OrgID: actor.OrgID}); err != nil {
		return err
	}
	if actor.OrgID == 0 {
		return domain.Errorf(domain.CodeForbidden, "您的账号未关联社会组织，不能投标。")
	}
	if r.opening || r.st.Stage == domain.StageBidding && !workflow.Now(ctx).Before(r.st.Deadline) || r.st.Stage.Opened() {
		return domain.Errorf(domain.CodeConflict, "投标截止时间（%s）已过，不再接受递交、替换或撤回投标文件。", cstTime(r.st.Deadline))
	}
	return r.stageIs(domain.StageBidding)
}

func (r *callRun) validateQualification(ds []activities.Qualification) error {
	fe := domain.FieldErrors{}
	seen := map[string]bool{}
	for _, d := range ds {
		if !slices.ContainsFunc(r.st.Opened, func(b activities.OpenedBid) bool { return b.BidID == d.BidID }) {
			fe.Add("decisions", "审查结论中有不属于本次征集的投标。")
			continue
		}
		seen[d.BidID] = true
		if !d.Qualified && utf8.RuneCountInString(strings.TrimSpace(d.Reason)) < 4 {
			fe.Add("reason."+d.BidID, "不合格的投标须写明理由（至少 4 个字），理由将告知投标人。")
		}
	}
	for _, b := range r.st.Opened {
		if !seen[b.BidID] {
			fe.Add("decisions", fmt.Sprintf("请对每一份投标作出审查结论（%s 尚未审查）。", b.OrgName))
		}
	}
	return fe.Err()
}
