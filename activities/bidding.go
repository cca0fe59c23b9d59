package activities

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/activity"

	"grantflow/internal/blob"
	"grantflow/internal/domain"
	"grantflow/internal/report"
	"grantflow/internal/seal"
	"grantflow/internal/store"
)

// RecordDecisionInput is an approval, rejection or submission to record.
type RecordDecisionInput struct {
	CallID    string
	RequestID string // the Temporal update ID: a retry records nothing twice
	Decision  domain.CallDecision
	By        domain.Actor
}

// RecordDecision records a decision on a call.
func (a *Activities) RecordDecision(ctx context.Context, in RecordDecisionInput) error {
	return nonRetryable(a.Store.RecordCallDecision(ctx, in.CallID, in.RequestID, in.Decision, in.By))
}

// PublishResult is what publication fixed.
type PublishResult struct {
	Deadline time.Time
	// CalendarNote is set when the deadline's year has no loaded holiday
	// schedule (Monday–Friday was used).
	CalendarNote string
}

// PublishCall publishes a call: computes its bidding deadline with the
// working-day calendar (the requested one, or the earliest lawful one), and
// makes the call's key pair. Idempotent: a published call keeps its key and
// deadline.
func (a *Activities) PublishCall(ctx context.Context, callID string) (PublishResult, error) {
	c, err := a.Store.Call(ctx, callID)
	if err != nil {
		return PublishResult{}, nonRetryable(err)
	}
	cal, err := a.Store.Calendar(ctx)
	if err != nil {
		return PublishResult{}, err
	}
	if !c.PublishedAt.IsZero() {
		return PublishResult{Deadline: c.BidDeadline, CalendarNote: cal.FallbackNote(c.BidDeadline)}, nil
	}
	now := time.Now()
	deadline := cal.BidDeadline(c.Plan.Mode, a.Rules, now, c.Plan.BidDeadline).Truncate(time.Second)
	pub, priv, err := seal.NewCallKey()
	if err != nil {
		return PublishResult{}, err
	}
	sealed, err := seal.WrapPrivate(a.Keys, priv)
	if err != nil {
		return PublishResult{}, err
	}
	if err := a.Store.PublishCall(ctx, callID, deadline, pub, sealed); err != nil {
		return PublishResult{}, nonRetryable(err)
	}
	c, err = a.Store.Call(ctx, callID)
	if err != nil {
		return PublishResult{}, err
	}
	return PublishResult{Deadline: c.BidDeadline, CalendarNote: cal.FallbackNote(c.BidDeadline)}, nil
}

// ClarifyInput is a clarification to publish.
type ClarifyInput struct {
	Clarification domain.Clarification // ID, CallID, Title, Body, Material, DeadlineFrom
	By            domain.Actor
}

// Clarify publishes a clarification: a material one less than 15 days
// before the deadline moves it (实施条例 §31). It returns the (new) deadline
// and tells every bidder.
func (a *Activities) Clarify(ctx context.Context, in ClarifyInput) (time.Time, error) {
	cl := in.Clarification
	existing, err := a.Store.Clarifications(ctx, cl.CallID)
	if err != nil {
		return time.Time{}, err
	}
	for _, e := range existing {
		if e.ID == cl.ID {
			return e.DeadlineTo, nil
		}
	}
	cal, err := a.Store.Calendar(ctx)
	if err != nil {
		return time.Time{}, err
	}
	cl.DeadlineTo = cl.DeadlineFrom
	if cl.Material {
		cl.DeadlineTo = cal.MovedDeadline(time.Now(), cl.DeadlineFrom)
	}
	if err := a.Store.InsertClarification(ctx, cl, in.By); err != nil {
		return time.Time{}, nonRetryable(err)
	}
	text := fmt.Sprintf("征集发布了澄清：%s。", cl.Title)
	if cl.Moved() {
		text += "投标截止时间顺延至 " + report.ChineseDateTime(cl.DeadlineTo) + "。"
	}
	return cl.DeadlineTo, a.notifyBidders(ctx, cl.CallID, "clarification", text, "clarify/"+cl.ID)
}

// notifyBidders tells every organisation with a live bid.
func (a *Activities) notifyBidders(ctx context.Context, callID, kind, text, dedup string) error {
	bids, err := a.Store.LiveBids(ctx, callID)
	if err != nil {
		return err
	}
	for _, b := range bids {
		if err := a.Store.AddNotice(ctx, callID, store.NoticeTo{OrgID: b.OrgID}, kind, text, fmt.Sprintf("%s/%d", dedup, b.OrgID)); err != nil {
			return err
		}
	}
	return nil
}

// RecordBidInput is a sealed bid whose parts are already in object storage.
type RecordBidInput struct {
	Bid domain.Bid
	By  domain.Actor
}

// RecordBid records a sealed bid (refused by the database after the
// deadline) and gives the bidder its receipt.
func (a *Activities) RecordBid(ctx context.Context, in RecordBidInput) (domain.Receipt, error) {
	b, err := a.Store.InsertBid(ctx, in.Bid, in.By)
	if err != nil {
		return domain.Receipt{}, nonRetryable(err)
	}
	text := fmt.Sprintf("投标文件已密封递交（第 %d 版），递交时间 %s。回执中列有每一部分的 SHA-256 摘要，开标时将逐一核对。",
		b.Version, report.ChineseDateTime(b.SubmittedAt))
	if err := a.Store.AddNotice(ctx, b.CallID, store.NoticeTo{OrgID: b.OrgID}, "bid.receipt", text, "bid/"+b.ID); err != nil {
		return domain.Receipt{}, err
	}
	return b.Receipt(), nil
}

// WithdrawBidInput withdraws an organisation's bid.
type WithdrawBidInput struct {
	CallID string
	OrgID  int64
	By     domain.Actor
}

// WithdrawBid withdraws an organisation's live bid before the deadline.
func (a *Activities) WithdrawBid(ctx context.Context, in WithdrawBidInput) error {
	return nonRetryable(a.Store.WithdrawBid(ctx, in.CallID, in.OrgID, in.By))
}

// OpenedBid is a bid as opening found it.
type OpenedBid struct {
	BidID       string
	OrgID       int64
	OrgName     string
	USCC        string
	Price       domain.Fen
	SubmittedAt time.Time
	DigestsOK   bool
}

func (a *Activities) callPrivateKey(_ context.Context, sealed string) ([]byte, error) {
	return seal.UnwrapPrivate(a.Keys, sealed)
}

// readPart decrypts one part of an opened bid and checks its digest. A part
// whose object is missing or altered fails the check (ok false); only a
// transient fault of the object store is an error (retried).
func (a *Activities) readPart(ctx context.Context, priv []byte, b domain.Bid, p domain.SealedPart) ([]byte, bool, error) {
	get := func(key string) ([]byte, error) {
		data, _, err := a.Blob.Get(ctx, key, "")
		return data, err
	}
	pt, ok, err := seal.OpenPart(get, priv, b.CallID, b.ID, p.Part, p.ObjectKey, p.SHA256)
	if blob.Lost(err) {
		// gone or altered: the bid fails its digest check (recorded at the
		// opening) and the rest open; retrying would never mend it
		return nil, false, nil
	}
	return pt, ok, err
}

// OpenBids opens a call's bids at the deadline: records the opening (the
// database refuses before the deadline), decrypts every part, checks it
// against the receipt, reads the price, and renders the opening record.
func (a *Activities) OpenBids(ctx context.Context, callID string) ([]OpenedBid, error) {
	sealed, err := a.Store.OpenCall(ctx, callID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	priv, err := a.callPrivateKey(ctx, sealed)
	if err != nil {
		return nil, err
	}
	c, err := a.Store.Call(ctx, callID)
	if err != nil {
		return nil, err
	}
	bids, err := a.Store.LiveBids(ctx, callID)
	if err != nil {
		return nil, err
	}
	var out []OpenedBid
	var lines []report.OpenedBid
	for i, b := range bids {
		beat(ctx, i)
		ok := true
		var price domain.Fen
		for _, p := range b.Parts {
			pt, good, err := a.readPart(ctx, priv, b, p)
			if err != nil {
				return nil, err
			}
			ok = ok && good
			if p.Part == "price" && good {
				v, _ := strconv.ParseInt(string(pt), 10, 64)
				price = domain.Fen(v)
			}
		}
		if err := a.Store.SetBidOpened(ctx, b.ID, price, ok); err != nil {
			return nil, err
		}
		out = append(out, OpenedBid{BidID: b.ID, OrgID: b.OrgID, OrgName: b.OrgName, USCC: b.OrgUSCC, Price: price, SubmittedAt: b.SubmittedAt, DigestsOK: ok})
		lines = append(lines, report.OpenedBid{Seq: i + 1, OrgName: b.OrgName, USCC: b.OrgUSCC, Price: price, SubmittedAt: b.SubmittedAt,
			Parts: b.Receipt().Parts, DigestsOK: ok})
	}
	c, err = a.Store.Call(ctx, callID)
	if err != nil {
		return nil, err
	}
	pdf, err := report.RenderOpeningRecord(report.OpeningRecord{Number: c.Number, Title: c.Title, Issuer: report.IssuerFor(c.District),
		Mode: c.Plan.Mode, Deadline: c.BidDeadline, OpenedAt: c.OpenedAt, Bids: lines})
	if err != nil {
		return nil, err
	}
	obj, err := a.Blob.Put(ctx, fmt.Sprintf("calls/%s/opening/%s-开标记录.pdf", callID, c.Number), pdf, "application/pdf")
	if err != nil {
		return nil, err
	}
	return out, a.Store.SetCallDocument(ctx, callID, "opening", obj.Key, obj.SHA256)
}

// Qualification is civil affairs' decision on one bid.
type Qualification struct {
	BidID     string `json:"bid_id"`
	Qualified bool   `json:"qualified"`
	Reason    string `json:"reason"`
}

// QualifyInput records qualification decisions.
type QualifyInput struct {
	CallID    string
	Decisions []Qualification
	By        domain.Actor
}

// QualifyBids records civil affairs' qualification decisions.
func (a *Activities) QualifyBids(ctx context.Context, in QualifyInput) error {
	for _, d := range in.Decisions {
		if err := a.Store.QualifyBid(ctx, in.CallID, d.BidID, d.Qualified, d.Reason, in.By); err != nil {
			return nonRetryable(err)
		}
	}
	return nil
}

// DrawPanelInput asks for Need more experts for a call's panel.
type DrawPanelInput struct {
	CallID string
	Need   int
	// Bidders are the valid bidders' codes: an expert tied to any of them is
	// excluded (实施条例 §9).
	Bidders []string
	// Staff are users who may not sit on the panel (the call's approvers).
	Staff []int64
	// Key names this draw (workflow run and step): a retry returns the
	// experts this draw already recorded and draws only what is missing.
	// Empty (a draw scheduled before keys existed): the activity's own
	// identity (workflow run and activity ID) keys it.
	Key string
	// Adopt: experts recorded as drawn for this call whom the workflow does
	// not seat (Seated, talent IDs) count as this draw's own. A draw that
	// came up short recorded and told the experts it found, but Temporal
	// drops an activity's result when it fails, so the workflow never
	// learnt them: without this, the redraw after the pool is topped up
	// would leave them out and, holding them as already considered, come
	// up short again.
	Adopt  bool
	Seated []int64
}

// Drawn is an expert drawn for a panel.
type Drawn struct {
	TalentID int64
	UserID   int64
	Name     string
	Seq      int // the draw number (the seat's public label 专家 N)
}

// DrawPanel draws experts at random (crypto/rand) from the talent library's
// pool, skipping those already considered for this call; an expert with a
// tie to a bidder is recorded as excluded with the reason and another is
// drawn. Idempotent: the draw is keyed (in.Key), and a retry returns the
// experts it already drew and draws only those still missing.
func (a *Activities) DrawPanel(ctx context.Context, in DrawPanelInput) ([]Drawn, error) {
	if in.Key == "" && activity.IsActivity(ctx) {
		info := activity.GetInfo(ctx)
		in.Key = fmt.Sprintf("%s/%s/activity/%s", info.WorkflowExecution.ID, info.WorkflowExecution.RunID, info.ActivityID)
	}
	pool, err := a.Store.ExpertPool(ctx)
	if err != nil {
		return nil, err
	}
	members, err := a.Store.PanelMembers(ctx, in.CallID)
	if err != nil {
		return nil, err
	}
	considered := map[int64]bool{}
	seq := 0
	// What this draw already recorded (an earlier attempt of it) is its
	// result so far: never drawn again.
	var drawn []Drawn
	seated := map[int64]bool{}
	for _, id := range in.Seated {
		seated[id] = true
	}
	for _, m := range members {
		considered[m.TalentID] = true
		seq = max(seq, m.Seq)
		mine := in.Key != "" && m.DrawKey == in.Key && m.Status != domain.PanelExcluded
		orphan := in.Adopt && m.Status == domain.PanelDrawn && !seated[m.TalentID]
		if mine || orphan {
			drawn = append(drawn, Drawn{TalentID: m.TalentID, UserID: m.UserID, Name: m.Name, Seq: m.Seq})
		}
	}
	var candidates []domain.Talent
	for _, t := range pool {
		staff := false
		for _, u := range in.Staff {
			staff = staff || u == t.UserID
		}
		if !considered[t.ID] && !staff {
			candidates = append(candidates, t)
		}
	}
	// Every expert of this draw is told (once: the notice is keyed), also
	// those an earlier attempt drew but may not have told.
	tell := func() error {
		for _, d := range drawn {
			if err := a.Store.AddNotice(ctx, in.CallID, store.NoticeTo{UserID: d.UserID}, "panel.drawn",
				"您被随机抽取为评审专家。请先声明与投标人无利害关系，然后才能查看投标文件并评分。", fmt.Sprintf("panel/%s/%d", in.CallID, d.TalentID)); err != nil {
				return err
			}
		}
		return nil
	}
	today := time.Now()
	for len(drawn) < in.Need {
		if len(candidates) == 0 {
			if err := tell(); err != nil {
				return nil, err
			}
			return drawn, nonRetryable(domain.Errorf(domain.CodeConflict,
				"专家库中与投标人无利害关系的可用专家不足（还差 %d 人）。请在人才库中补充评审专家（须绑定账号），然后重新抽取。", in.Need-len(drawn)))
		}
		t, rest, err := drawOne(candidates)
		if err != nil {
			return nil, err
		}
		candidates = rest
		seq++
		var ties []string
		for _, uscc := range in.Bidders {
			ties = append(ties, t.TiesTo(uscc, today)...)
		}
		m := domain.PanelMember{CallID: in.CallID, TalentID: t.ID, UserID: t.UserID, Seq: seq, Status: domain.PanelDrawn, DrawKey: in.Key}
		if len(ties) > 0 {
			m.Status = domain.PanelExcluded
			m.Reason = strings.Join(ties, "；")
		}
		if err := a.Store.AddPanelMember(ctx, m); err != nil {
			return nil, err
		}
		if m.Status == domain.PanelDrawn {
			drawn = append(drawn, Drawn{TalentID: t.ID, UserID: t.UserID, Name: t.Name, Seq: seq})
		}
	}
	return drawn, tell()
}

// drawOne takes one expert out of candidates at random (crypto/rand: the
// draw must not be predictable) and returns it with the rest.
func drawOne(candidates []domain.Talent) (domain.Talent, []domain.Talent, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(int64(len(candidates))))
	if err != nil {
		return domain.Talent{}, nil, err
	}
	i := n.Int64()
	t := candidates[i]
	return t, append(candidates[:i], candidates[i+1:]...), nil
}

// DeclareInput is an expert's declaration.
type DeclareInput struct {
	CallID   string
	UserID   int64
	Conflict bool
	Reason   string
	By       domain.Actor
}

// Declare records an expert's declaration.
func (a *Activities) Declare(ctx context.Context, in DeclareInput) error {
	return nonRetryable(a.Store.DeclarePanelMember(ctx, in.CallID, in.UserID, in.Conflict, in.Reason, in.By))
}

// RecordScoreInput is one score sheet.
type RecordScoreInput struct {
	CallID string
	Sheet  domain.ScoreSheet
	By     domain.Actor
}

// RecordScore records an expert's score sheet.
func (a *Activities) RecordScore(ctx context.Context, in RecordScoreInput) error {
	return nonRetryable(a.Store.UpsertScore(ctx, in.CallID, in.Sheet, in.By))
}

// SaveResultsInput is the scoring result of a call.
type SaveResultsInput struct {
	CallID  string
	Results []domain.BidResult
	Round   int // counts re-scorings, so each report is its own object
}

// SaveResults stores the results and renders the scoring report (评审报告).
func (a *Activities) SaveResults(ctx context.Context, in SaveResultsInput) error {
	if err := a.Store.SaveResults(ctx, in.CallID, in.Results); err != nil {
		return nonRetryable(err)
	}
	c, err := a.Store.Call(ctx, in.CallID)
	if err != nil {
		return err
	}
	members, err := a.Store.PanelMembers(ctx, in.CallID)
	if err != nil {
		return err
	}
	var names []string
	excluded := 0
	for _, m := range members {
		if m.Status == domain.PanelConfirmed {
			names = append(names, m.Name)
		} else {
			excluded++
		}
	}
	pdf, err := report.RenderScoringReport(report.ScoringReport{Number: c.Number, Title: c.Title, Issuer: report.IssuerFor(c.District),
		Mode: c.Plan.Mode, Criteria: c.Plan.Criteria, Results: in.Results, Panel: names, Excluded: excluded,
		Issued: c.UpdatedAt, Deviation: c.Plan.DeviationLimit})
	if err != nil {
		return err
	}
	obj, err := a.Blob.Put(ctx, fmt.Sprintf("calls/%s/report/r%02d-%s-评审报告.pdf", in.CallID, in.Round, c.Number), pdf, "application/pdf")
	if err != nil {
		return err
	}
	return a.Store.SetCallDocument(ctx, in.CallID, "report", obj.Key, obj.SHA256)
}

// SetCallTimesInput records dates the workflow set.
type SetCallTimesInput struct {
	CallID string
	Times  store.CallTimes
}

// SetCallTimes records dates the workflow set.
func (a *Activities) SetCallTimes(ctx context.Context, in SetCallTimesInput) error {
	return nonRetryable(a.Store.SetCallTimes(ctx, in.CallID, in.Times))
}

// WorkingDaysInput asks for the close of the N-th working day after From.
type WorkingDaysInput struct {
	From time.Time
	N    int
}

// AddWorkingDays does working-day arithmetic with the calendar (data, so an
// activity, never workflow code).
func (a *Activities) AddWorkingDays(ctx context.Context, in WorkingDaysInput) (time.Time, error) {
	cal, err := a.Store.Calendar(ctx)
	if err != nil {
		return time.Time{}, err
	}
	return cal.AddWorkingDays(in.From, in.N), nil
}

// NotifyInput is a notice to record once.
type NotifyInput struct {
	CallID string
	To     store.NoticeTo
	Kind   string
	Text   string
	Dedup  string
}

// Notify records a notice (reminders of legal time limits, outcomes).
func (a *Activities) Notify(ctx context.Context, in NotifyInput) error {
	return a.Store.AddNotice(ctx, in.CallID, in.To, in.Kind, in.Text, in.Dedup)
}

// RecordObjectionInput is a 质疑 whose attachment, if any, is stored.
type RecordObjectionInput struct {
	Objection domain.Objection
	Contact   string
	By        domain.Actor
}

// RecordObjection records a 质疑 (contact sealed) and tells civil affairs.
func (a *Activities) RecordObjection(ctx context.Context, in RecordObjectionInput) error {
	sealed, err := a.Keys.Seal(in.Contact)
	if err != nil {
		return err
	}
	if err := a.Store.InsertObjection(ctx, in.Objection, sealed, in.By); err != nil {
		return nonRetryable(err)
	}
	c, err := a.Store.Call(ctx, in.Objection.CallID)
	if err != nil {
		return err
	}
	if in.Objection.Complaint() {
		return a.Store.AddNotice(ctx, c.ID, store.NoticeTo{Role: domain.RoleFinance, District: c.District}, "complaint",
			fmt.Sprintf("征集 %s 收到对质疑答复的投诉，请在 %d 个工作日内作出处理决定；决定前暂停定标（政府采购法 §57）。", c.Number, domain.ComplaintDecisionWorkingDays),
			"complaint/"+in.Objection.ID)
	}
	return a.Store.AddNotice(ctx, c.ID, store.NoticeTo{Role: domain.RoleCivilAffairs, District: c.District}, "objection",
		fmt.Sprintf("征集 %s 收到质疑，请在 %d 个工作日内答复；答复前暂停定标。", c.Number, domain.ObjectionReplyWorkingDays), "objection/"+in.Objection.ID)
}

// FileObjectionInput files a supplier's objection whose row the service
// wrote (pending): the workflow accepted it.
type FileObjectionInput struct {
	CallID      string
	ID          string
	OrgID       int64
	ComplaintOf string
	FiledAt     time.Time
	By          domain.Actor
}

// FileObjection marks the pending objection filed (by that organisation, at
// the workflow's time; audited) and tells civil affairs, or finance for a
// complaint. A row that is missing is refused for good.
func (a *Activities) FileObjection(ctx context.Context, in FileObjectionInput) error {
	if err := a.Store.FileObjection(ctx, in.CallID, in.ID, in.OrgID, in.ComplaintOf, in.FiledAt, in.By); err != nil {
		return nonRetryable(err)
	}
	c, err := a.Store.Call(ctx, in.CallID)
	if err != nil {
		return err
	}
	if in.ComplaintOf != "" {
		return a.Store.AddNotice(ctx, c.ID, store.NoticeTo{Role: domain.RoleFinance, District: c.District}, "complaint",
			fmt.Sprintf("征集 %s 收到对质疑答复的投诉，请在 %d 个工作日内作出处理决定；决定前暂停定标（政府采购法 §57）。", c.Number, domain.ComplaintDecisionWorkingDays),
			"complaint/"+in.ID)
	}
	return a.Store.AddNotice(ctx, c.ID, store.NoticeTo{Role: domain.RoleCivilAffairs, District: c.District}, "objection",
		fmt.Sprintf("征集 %s 收到质疑，请在 %d 个工作日内答复；答复前暂停定标。", c.Number, domain.ObjectionReplyWorkingDays), "objection/"+in.ID)
}

// AnswerObjectionInput is civil affairs' answer.
type AnswerObjectionInput struct {
	CallID      string
	ObjectionID string
	Upheld      bool
	Answer      string
	ReturnTo    domain.CallStage
	By          domain.Actor
}

// AnswerObjection records the answer (public on the call's page).
func (a *Activities) AnswerObjection(ctx context.Context, in AnswerObjectionInput) error {
	return nonRetryable(a.Store.AnswerObjection(ctx, in.CallID, in.ObjectionID, in.Upheld, in.Answer, in.ReturnTo, in.By))
}

// AwardInput awards a call to its recommended bids.
type AwardInput struct {
	CallID  string
	Results []domain.BidResult
}

// AwardCall records an award per recommended bid with its notice PDF, tells
// every bidder the outcome, and returns unfunded bids to the project
// library. Idempotent (award IDs derive from the bid IDs).
func (a *Activities) AwardCall(ctx context.Context, in AwardInput) ([]domain.Award, error) {
	c, err := a.Store.Call(ctx, in.CallID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	sealed, err := a.Store.OpenedCallKey(ctx, in.CallID)
	if err != nil {
		return nil, nonRetryable(err)
	}
	priv, err := a.callPrivateKey(ctx, sealed)
	if err != nil {
		return nil, err
	}
	bids, err := a.Store.LiveBids(ctx, in.CallID)
	if err != nil {
		return nil, err
	}
	byID := map[string]domain.Bid{}
	for _, b := range bids {
		byID[b.ID] = b
	}
	for i, r := range in.Results {
		beat(ctx, i)
		b := byID[r.BidID]
		if !r.Recommended {
			if err := a.returnToLibrary(ctx, priv, c, b); err != nil {
				return nil, err
			}
			if err := a.Store.AddNotice(ctx, c.ID, store.NoticeTo{OrgID: b.OrgID}, "award.unsuccessful",
				fmt.Sprintf("征集 %s 已定标，您单位未获立项（名次 %d，综合得分 %.2f）。投标方案已转入项目库备选。", c.Number, r.Rank, r.Result),
				"award-no/"+b.ID); err != nil {
				return nil, err
			}
			continue
		}
		pdf, err := report.RenderAwardNotice(report.AwardNotice{Number: c.Number, Title: c.Title, Issuer: report.IssuerFor(c.District),
			OrgName: b.OrgName, USCC: b.OrgUSCC, Amount: b.Price, Rank: r.Rank, Result: r.Result, Tranches: c.Plan.Tranches, Issued: c.PublicityUntil})
		if err != nil {
			return nil, err
		}
		obj, err := a.Blob.Put(ctx, fmt.Sprintf("calls/%s/awards/%s-立项通知书.pdf", c.ID, b.ID), pdf, "application/pdf")
		if err != nil {
			return nil, err
		}
		aw := domain.Award{ID: uuid.NewSHA1(uuid.NameSpaceURL, []byte("award/"+b.ID)).String(), CallID: c.ID, BidID: b.ID, OrgID: b.OrgID,
			Amount: b.Price, Rank: r.Rank, NoticeKey: obj.Key, NoticeSHA256: obj.SHA256}
		if err := a.Store.InsertAward(ctx, aw); err != nil {
			return nil, nonRetryable(err)
		}
		if err := a.Store.AddNotice(ctx, c.ID, store.NoticeTo{OrgID: b.OrgID}, "award.won",
			fmt.Sprintf("征集 %s 已定标，您单位获得立项，资助金额 %s 元。请下载立项通知书，并于 30 日内签订合同。", c.Number, b.Price.Yuan()),
			"award/"+b.ID); err != nil {
			return nil, err
		}
	}
	return a.Store.Awards(ctx, in.CallID)
}

func (a *Activities) returnToLibrary(ctx context.Context, priv []byte, c domain.Call, b domain.Bid) error {
	summary := ""
	for _, p := range b.Parts {
		if p.Part == "technical" {
			pt, ok, err := a.readPart(ctx, priv, b, p)
			if err != nil {
				return err
			}
			if ok {
				summary = string(pt)
			}
		}
	}
	if r := []rune(summary); len(r) > 4900 {
		summary = string(r[:4900]) + "……"
	}
	title := fmt.Sprintf("%s（%s 投标方案）", c.Title, b.OrgName)
	return a.Store.ReturnBidToLibrary(ctx, c.ID, b.ID, title, summary)
}

// CancelCallInput cancels a call's bids.
type CancelCallInput struct {
	CallID string
	Reason string
}

// CancelBids handles a cancelled call's bids: before opening, the call's
// private key is destroyed and every sealed bid discarded unread; after
// opening, bids stay on file (15 years). Every bidder is told.
func (a *Activities) CancelBids(ctx context.Context, in CancelCallInput) error {
	c, err := a.Store.Call(ctx, in.CallID)
	if err != nil {
		return nonRetryable(err)
	}
	beat(ctx)
	text := fmt.Sprintf("征集 %s 已撤销，原因：%s。", c.Number, in.Reason)
	if c.OpenedAt.IsZero() {
		// Tell bidders before discarding (discarded bids are no longer live).
		if err := a.notifyBidders(ctx, c.ID, "call.cancelled", text+"您递交的投标文件未被开启，其解密密钥已销毁，任何人都无法读取。", "cancel/"+c.ID); err != nil {
			return err
		}
		_, err := a.Store.DiscardSealedBids(ctx, c.ID)
		return err
	}
	return a.notifyBidders(ctx, c.ID, "call.cancelled", text+"已开启的投标文件依法存档。", "cancel/"+c.ID)
}

// RecusalRequestInput is a bidder's written recusal request.
type RecusalRequestInput struct {
	Request domain.RecusalRequest
	By      domain.Actor
}

// RecordRecusalRequest records a bidder's recusal request and tells civil
// affairs.
func (a *Activities) RecordRecusalRequest(ctx context.Context, in RecusalRequestInput) error {
	if err := a.Store.InsertRecusalRequest(ctx, in.Request, in.By); err != nil {
		return nonRetryable(err)
	}
	c, err := a.Store.Call(ctx, in.Request.CallID)
	if err != nil {
		return err
	}
	return a.Store.AddNotice(ctx, c.ID, store.NoticeTo{Role: domain.RoleCivilAffairs, District: c.District}, "recusal.request",
		fmt.Sprintf("征集 %s 收到投标人的专家回避申请，请审查并作出决定。", c.Number), "recusal/"+in.Request.ID)
}

// DecideRecusalInput is civil affairs' decision on a recusal request.
type DecideRecusalInput struct {
	CallID    string
	RequestID string
	OrgID     int64
	Upheld    bool
	Seat      int
	Answer    string
	By        domain.Actor
}

// DecideRecusal records the decision (an upheld one recuses the seat's
// expert) and tells the bidder.
func (a *Activities) DecideRecusal(ctx context.Context, in DecideRecusalInput) error {
	if err := a.Store.DecideRecusalRequest(ctx, in.CallID, in.RequestID, in.Upheld, in.Seat, in.Answer, in.By); err != nil {
		return nonRetryable(err)
	}
	text := "您单位的专家回避申请经审查不成立：" + in.Answer
	if in.Upheld {
		text = "您单位的专家回避申请经审查成立，该专家已回避并另行抽取：" + in.Answer
	}
	return a.Store.AddNotice(ctx, in.CallID, store.NoticeTo{OrgID: in.OrgID}, "recusal.decision", text, "recusal-decision/"+in.RequestID)
}

// beat records a heartbeat of a long activity (longOpts in the workflows):
// a worker that died or stopped mid-attempt is noticed within the heartbeat
// timeout, not the whole start-to-close timeout. Outside an activity (a
// direct call) it does nothing.
func beat(ctx context.Context, details ...any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details...)
	}
}
