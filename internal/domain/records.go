package domain

import (
	"slices"
	"time"
)

// User is a person who signs in.
type User struct {
	ID          int64     `json:"id"`
	Username    string    `json:"username"`
	DisplayName string    `json:"display_name"`
	Roles       []Role    `json:"roles"`
	District    string    `json:"district"`
	OrgID       int64     `json:"org_id,omitempty"`    // the organisation of an organisation member
	AreaCode    string    `json:"area_code,omitempty"` // the street or community of a reporter
	CreatedAt   time.Time `json:"created_at"`
	// LockedUntil is the end of an account lockout recorded by releases
	// before the sign-in limits (web/throttle.go), which lock an address out
	// of an account instead; zero: not locked.
	LockedUntil time.Time `json:"locked_until,omitzero"`
	// Disabled accounts cannot sign in; their sessions and tokens stop
	// working (an administrator disables and re-enables them).
	Disabled bool `json:"disabled,omitempty"`
}

// Has reports whether the user holds role.
func (u User) Has(role Role) bool { return slices.Contains(u.Roles, role) }

// Call is a call (征集/招标) as stored.
type Call struct {
	ID           string    `json:"id"`
	Number       string    `json:"number"`
	Title        string    `json:"title"`
	Brand        Brand     `json:"brand"`
	District     string    `json:"district"`
	Budget       Fen       `json:"budget_fen"`
	Stage        CallStage `json:"stage"`
	CreatedBy    int64     `json:"created_by"`
	NoticeReady  bool      `json:"notice_ready"`
	NoticeKey    string    `json:"notice_key,omitempty"`
	NoticeSHA256 string    `json:"notice_sha256,omitempty"`
	NoticeError  string    `json:"notice_error,omitempty"` // why the notice could not be rendered
	CancelReason string    `json:"cancel_reason,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`

	Plan           Plan        `json:"plan"`
	ReissueOf      string      `json:"reissue_of,omitempty"`
	StageNote      string      `json:"stage_note,omitempty"` // why the call is where it is (a rejection, 流标)
	PublishedAt    time.Time   `json:"published_at,omitzero"`
	BidDeadline    time.Time   `json:"bid_deadline,omitzero"`
	OpenedAt       time.Time   `json:"opened_at,omitzero"`
	ScoringDue     time.Time   `json:"scoring_due,omitzero"`
	PublicityFrom  time.Time   `json:"publicity_from,omitzero"`
	PublicityUntil time.Time   `json:"publicity_until,omitzero"`
	ObjectionUntil time.Time   `json:"objection_until,omitzero"`
	AwardedAt      time.Time   `json:"awarded_at,omitzero"`
	OpeningKey     string      `json:"-"`
	OpeningSHA256  string      `json:"opening_sha256,omitempty"`
	ReportKey      string      `json:"-"`
	ReportSHA256   string      `json:"report_sha256,omitempty"`
	Results        []BidResult `json:"results,omitempty"` // set only where the viewer may see them
}

// Attachment is a document attached to a call.
type Attachment struct {
	ID          string    `json:"id"`
	CallID      string    `json:"call_id"`
	FileName    string    `json:"file_name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size_bytes"`
	SHA256      string    `json:"sha256"`
	ObjectKey   string    `json:"object_key,omitempty"`
	VersionID   string    `json:"version_id,omitempty"`
	UploadedBy  int64     `json:"uploaded_by"`
	CreatedAt   time.Time `json:"created_at"`
}
