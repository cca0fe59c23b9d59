package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ObjectionStanding is what the law asks of someone who objects to a result
// under publicity, as the workflow knows it.
type ObjectionStanding struct {
	// Supplier: a signed-in account acting for its own organisation
	// (auth.ActionBid on that organisation).
	Supplier bool
	// TookPart: that organisation's bid was opened in this call. The
	// documents are published to everyone and their downloads are not
	// recorded, so "obtained the documents" cannot be told from "read the
	// notice": taking part is the test.
	TookPart bool
	// Objected: it already filed a 质疑 against this result.
	Objected bool
	// ObjectorOf: for a complaint, it filed the answered objection the
	// complaint is about.
	ObjectorOf bool
}

// ObjectionRoute is where a filing goes.
type ObjectionRoute string

const (
	// RouteChallenge is a supplier's 质疑: civil affairs answers within
	// seven working days and it holds the award until then.
	RouteChallenge ObjectionRoute = "challenge"
	// RouteComplaint is that supplier's complaint (投诉) to finance about the
	// answer; it holds the award until finance decides.
	RouteComplaint ObjectionRoute = "complaint"
	// RoutePublicComment is anyone else's opinion on a published result:
	// civil affairs answers it, it never holds the award, and the channel is
	// bounded (contact required, rate-limited, capped per call).
	RoutePublicComment ObjectionRoute = "comment"
)

// HoldsAward says whether a filing on this route suspends the award.
func (r ObjectionRoute) HoldsAward() bool { return r == RouteChallenge || r == RouteComplaint }

// RouteObjection decides where a filing goes, as the law does:
//
//   - 质疑 is a supplier's right (政府采购法 §52): a supplier that took part
//     in the procurement (财政部令第94号 §11) and believes the result harmed
//     its rights. Only such a filing holds the award (§54–57 suspend for
//     suppliers' challenges and complaints, not for opinions).
//   - A supplier puts everything it challenges about one result in one 质疑
//     (财政部令第94号 §10): a second one against the same result is refused.
//     A result published again after an upheld objection is a new result.
//   - A complaint (投诉) to finance is open only to the supplier that filed
//     the answered objection and is not satisfied (§55); anyone else's is
//     refused, never downgraded.
//   - Everyone else — the public without an account, accounts of no
//     organisation, organisations that did not bid — may comment through the
//     public channel (公示 invites the public to speak), which does not hold
//     the award.
func RouteObjection(s ObjectionStanding, complaint bool) (ObjectionRoute, error) {
	supplier := s.Supplier && s.TookPart
	if complaint {
		if !supplier || !s.ObjectorOf {
			return "", Errorf(CodeForbidden, "只有提出该质疑的供应商可以就质疑答复向财政部门投诉（政府采购法 §55）。")
		}
		return RouteComplaint, nil
	}
	if !supplier {
		return RoutePublicComment, nil
	}
	if s.Objected {
		return "", Errorf(CodeConflict, "贵单位已对本次评审结果提出过质疑。同一结果的质疑事项应在一次质疑中一并提出（财政部令第94号 §10）。")
	}
	return RouteChallenge, nil
}

// Bounds of the public-comment channel. Per call: at most
// PublicCommentsPerCall in all and PublicCommentsPerCallHour in any hour;
// per client address and call: PublicCommentsPerAddressHour an hour.
const (
	PublicCommentsPerCall        = 300
	PublicCommentsPerCallHour    = 60
	PublicCommentsPerAddressHour = 3
	PublicCommentMaxRunes        = 2000
	// MaxObjectionAttachmentBytes bounds an objection's or comment's
	// attachment.
	MaxObjectionAttachmentBytes = 10 << 20
)

// ValidatePublicComment says what to fix in a public comment: a name, a
// contact to send the answer to, and a bounded text.
func ValidatePublicComment(o ObjectionInput) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(o.Reason)); n > PublicCommentMaxRunes {
		return FieldErrors{"reason": "公众意见请控制在 2000 字以内。"}.Err()
	}
	return nil
}

// PublicCommentLimit says whether one more public comment is allowed given
// the counts already filed: in all for the call, in the last hour for the
// call, and in the last hour from this client address for the call.
func PublicCommentLimit(total, callHour, addrHour int) error {
	switch {
	case total >= PublicCommentsPerCall:
		return Errorf(CodeTooMany, "本次结果收到的公众意见已达上限（%d 条），不再受理。参与投标的供应商请登录后提出质疑。", PublicCommentsPerCall)
	case addrHour >= PublicCommentsPerAddressHour:
		return Errorf(CodeTooMany, "同一网络地址每小时最多提交 %d 条公众意见，请稍后再试。", PublicCommentsPerAddressHour)
	case callHour >= PublicCommentsPerCallHour:
		return Errorf(CodeTooMany, "本次结果一小时内收到的公众意见较多，请稍后再试。")
	}
	return nil
}

// Objection is a challenge (质疑) to a result under publicity, or a
// complaint (投诉) to finance about the answer to one (ComplaintOf set).
type Objection struct {
	ID          string    `json:"id"`
	CallID      string    `json:"call_id"`
	ComplaintOf string    `json:"complaint_of,omitempty"`
	Name        string    `json:"name"`
	Contact     string    `json:"contact,omitempty"`
	Reason      string    `json:"reason"`
	Attachment  string    `json:"attachment_key,omitempty"`
	FiledAt     time.Time `json:"filed_at"`
	Upheld      *bool     `json:"upheld,omitempty"`
	Answer      string    `json:"answer,omitempty"`
	ReturnTo    CallStage `json:"return_to,omitempty"`
	AnsweredAt  time.Time `json:"answered_at,omitzero"`
}

// Complaint is a complaint to finance (投诉) about an objection's answer.
func (o Objection) Complaint() bool { return o.ComplaintOf != "" }

// Complaint limits (政府采购法 §55–57): a complaint to finance within 15
// working days of the answer; finance decides within 30 working days.
const (
	ComplaintWorkingDays         = 15
	ComplaintDecisionWorkingDays = 30
)

// ObjectionInput is what someone files.
type ObjectionInput struct {
	Name    string `json:"name"`
	Contact string `json:"contact"`
	Reason  string `json:"reason"`
}

// Validate says what to fix in an objection.
func (o ObjectionInput) Validate() error {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(o.Name)); n < 2 || n > 100 {
		fe.Add("name", "请填写质疑人姓名或单位名称。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(o.Contact)); n < 5 || n > 100 {
		fe.Add("contact", "请填写联系电话或电子邮箱，以便送达答复。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(o.Reason)); n < 10 || n > 5000 {
		fe.Add("reason", "请写明质疑事项、事实依据和请求（10 至 5000 字）。")
	}
	return fe.Err()
}
