package service

import (
	"fmt"
	"time"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
)

// The read model of calls. Every page, API answer, export and document of a
// call is built for one viewer through one rule (sightOf, used by viewCall,
// Dossier, PublicDossier, CallDocument, List, ExpertCalls): what each role
// may see at each stage. Nothing about a call leaves this package as a
// domain value, so a field added to domain.Call is shown to nobody until
// this file says to whom.
//
//   - Before publication (drafts, calls awaiting publication review) a call
//     is civil affairs' working paper: only civil affairs of its district
//     see it, and finance of its district once it awaits publication review
//     (finance approves publishing a re-issue in another mode, 政府采购法
//     §36–37). The platform administrator is not party to procurement
//     (docs/domain.md §1: users, calendars, settings) and sees no draft.
//   - Bids are sealed until the opening; their envelopes and contents are the
//     officials' (civil affairs and finance of the district) and the
//     declared experts' (Dossier, Bids).
//   - The opening record (prices, digests) goes to the officials, the drawn
//     experts and the bidders from the opening (招标投标法 §36), to everyone
//     from result publicity on.
//   - Results (prices, scores, ranks) go to the officials from civil approval
//     on, to everyone from publicity on. Experts' identities never appear in
//     them; panel names appear only from publicity on (招标投标法 §37).
//   - Objectors' names are masked (张*) and their contacts hidden for
//     everyone but the officials of the district, who answer them.

// callFacts are what the rule needs to know about the viewer beside roles:
// whether their organisation bid on the call, and their panel seat.
type callFacts struct {
	Bidder bool
	Seat   domain.PanelStatus
}

// callSight is what one viewer may see of one call.
type callSight struct {
	Visible    bool // may see the call at all
	Official   bool // civil affairs or finance of the call's district
	Published  bool // the result is public (publicity, awarded)
	Results    bool // prices, scores, ranks of the result
	PanelNames bool // names of the panel members
	Opening    bool // the opening record (every bidder's price and digests)
}

// sightOf is the rule. by may be the zero Actor (the public).
func sightOf(by domain.Actor, c domain.Call, f callFacts) callSight {
	u := by.User()
	s := callSight{Official: by.UserID != 0 && auth.Authorize(u, auth.ActionViewBids, c.District) == nil}
	if c.PublishedAt.IsZero() {
		s.Visible = by.UserID != 0 && (auth.Authorize(u, auth.ActionViewDraft, c.District) == nil ||
			c.Stage == domain.StagePublishReview && auth.Authorize(u, auth.ActionApproveReissue, c.District) == nil)
	} else {
		s.Visible = by.UserID == 0 || auth.Authorize(u, auth.ActionViewCall, c.District) == nil
	}
	if !s.Visible {
		return callSight{}
	}
	s.Published = c.Stage == domain.StagePublicity || c.Stage == domain.StageAwarded
	s.Results = s.Published || s.Official && (c.Stage == domain.StageCivilApproval || c.Stage == domain.StageFinanceApproval)
	s.PanelNames = s.Published
	seated := f.Seat == domain.PanelDrawn || f.Seat == domain.PanelConfirmed
	s.Opening = s.Published || c.Stage.Opened() && !c.OpenedAt.IsZero() && (s.Official || f.Bidder || seated)
	return s
}

// mayView refuses a call the viewer may not see.
func mayView(by domain.Actor, c domain.Call) error {
	if sightOf(by, c, callFacts{}).Visible {
		return nil
	}
	if c.PublishedAt.IsZero() {
		return domain.Errorf(domain.CodeForbidden, "该征集尚未发布，只有本区民政部门可以查看，您无权查看。")
	}
	return auth.Authorize(by.User(), auth.ActionViewCall, c.District)
}

// CallView is a call as one viewer may see it.
type CallView struct {
	ID             string           `json:"id"`
	Number         string           `json:"number"`
	Title          string           `json:"title"`
	Brand          domain.Brand     `json:"brand"`
	District       string           `json:"district"`
	Budget         domain.Fen       `json:"budget_fen"`
	Stage          domain.CallStage `json:"stage"`
	StageLabel     string           `json:"stage_label"`
	NoticeReady    bool             `json:"notice_ready"`
	NoticeError    string           `json:"notice_error,omitempty"`
	NoticeSHA256   string           `json:"notice_sha256,omitempty"`
	CancelReason   string           `json:"cancel_reason,omitempty"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
	Plan           domain.Plan      `json:"plan"`
	ReissueOf      string           `json:"reissue_of,omitempty"`
	StageNote      string           `json:"stage_note,omitempty"`
	PublishedAt    time.Time        `json:"published_at,omitzero"`
	BidDeadline    time.Time        `json:"bid_deadline,omitzero"`
	OpenedAt       time.Time        `json:"opened_at,omitzero"`
	ScoringDue     time.Time        `json:"scoring_due,omitzero"`
	PublicityFrom  time.Time        `json:"publicity_from,omitzero"`
	PublicityUntil time.Time        `json:"publicity_until,omitzero"`
	ObjectionUntil time.Time        `json:"objection_until,omitzero"`
	AwardedAt      time.Time        `json:"awarded_at,omitzero"`
	OpeningSHA256  string           `json:"opening_sha256,omitempty"` // set where the opening record may be read
	ReportSHA256   string           `json:"report_sha256,omitempty"`  // set where the results may be read
	Results        []ResultView     `json:"results,omitempty"`        // set where the results may be read
}

// ResultView is one bid's result as the viewer may see it: the panel's
// scores, never which expert gave which.
type ResultView struct {
	BidID       string       `json:"bid_id"`
	OrgID       int64        `json:"org_id"`
	OrgName     string       `json:"org_name"`
	Price       domain.Fen   `json:"price_fen"`
	PriceScore  float64      `json:"price_score"`
	Technical   float64      `json:"technical"`
	Result      float64      `json:"result"`
	Trimmed     bool         `json:"trimmed"`
	Rank        int          `json:"rank"`
	Recommended bool         `json:"recommended"`
	Experts     []ExpertMark `json:"experts,omitempty"`
}

// ExpertMark is one (anonymous) expert's total for a bid.
type ExpertMark struct {
	Technical float64 `json:"technical"`
	Total     float64 `json:"total"`
	Deviates  bool    `json:"deviates"`
}

// viewCall is the call as by may see it, or a refusal.
func viewCall(by domain.Actor, c domain.Call, f callFacts) (CallView, callSight, error) {
	s := sightOf(by, c, f)
	if !s.Visible {
		return CallView{}, s, mayView(by, c)
	}
	v := CallView{ID: c.ID, Number: c.Number, Title: c.Title, Brand: c.Brand, District: c.District, Budget: c.Budget,
		Stage: c.Stage, StageLabel: c.Stage.Label(), NoticeReady: c.NoticeReady, NoticeError: c.NoticeError, NoticeSHA256: c.NoticeSHA256,
		CancelReason: c.CancelReason, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, Plan: c.Plan, ReissueOf: c.ReissueOf,
		StageNote: c.StageNote, PublishedAt: c.PublishedAt, BidDeadline: c.BidDeadline, OpenedAt: c.OpenedAt,
		ScoringDue: c.ScoringDue, PublicityFrom: c.PublicityFrom, PublicityUntil: c.PublicityUntil,
		ObjectionUntil: c.ObjectionUntil, AwardedAt: c.AwardedAt}
	if s.Opening {
		v.OpeningSHA256 = c.OpeningSHA256
	}
	if s.Results {
		v.ReportSHA256 = c.ReportSHA256
		for _, r := range c.Results {
			rv := ResultView{BidID: r.BidID, OrgID: r.OrgID, OrgName: r.OrgName, Price: r.Price, PriceScore: r.PriceScore,
				Technical: r.Technical, Result: r.Result, Trimmed: r.Trimmed, Rank: r.Rank, Recommended: r.Recommended}
			for _, e := range r.Experts {
				rv.Experts = append(rv.Experts, ExpertMark{Technical: e.Technical, Total: e.Total, Deviates: e.Deviates})
			}
			v.Results = append(v.Results, rv)
		}
	}
	return v, s, nil
}

// PanelSeat is a panel member as the viewer may see them: the seat, and the
// name only from publicity on.
type PanelSeat struct {
	Seq        int                `json:"seq"`
	Name       string             `json:"name"`
	Status     domain.PanelStatus `json:"status"`
	Reason     string             `json:"reason,omitempty"`
	DeclaredAt time.Time          `json:"declared_at,omitzero"`
}

func panelSeat(m domain.PanelMember, s callSight, self bool) PanelSeat {
	p := PanelSeat{Seq: m.Seq, Name: m.Name, Status: m.Status, Reason: m.Reason, DeclaredAt: m.DeclaredAt}
	if !s.PanelNames && !self {
		p.Name = fmt.Sprintf("专家 %d", m.Seq) // names stay secret until the result
	}
	return p
}

// ObjectionView is an objection as the viewer may see it: the objector's
// name masked and the contact hidden for all but the officials who answer.
type ObjectionView struct {
	ID          string           `json:"id"`
	ComplaintOf string           `json:"complaint_of,omitempty"`
	Name        string           `json:"name"`
	Contact     string           `json:"contact,omitempty"`
	Reason      string           `json:"reason"`
	FiledAt     time.Time        `json:"filed_at"`
	Upheld      *bool            `json:"upheld,omitempty"`
	Answer      string           `json:"answer,omitempty"`
	ReturnTo    domain.CallStage `json:"return_to,omitempty"`
	AnsweredAt  time.Time        `json:"answered_at,omitzero"`
}

func objectionView(o domain.Objection, s callSight) ObjectionView {
	v := ObjectionView{ID: o.ID, ComplaintOf: o.ComplaintOf, Name: domain.MaskName(o.Name), Reason: o.Reason, FiledAt: o.FiledAt,
		Upheld: o.Upheld, Answer: o.Answer, ReturnTo: o.ReturnTo, AnsweredAt: o.AnsweredAt}
	if s.Official {
		v.Name, v.Contact = o.Name, o.Contact
	}
	return v
}
