package domain

import "time"

// Award is a winning bid.
type Award struct {
	ID           string    `json:"id"`
	CallID       string    `json:"call_id"`
	BidID        string    `json:"bid_id"`
	OrgID        int64     `json:"org_id"`
	OrgName      string    `json:"org_name"`
	Amount       Fen       `json:"amount_fen"`
	Rank         int       `json:"rank"`
	NoticeSHA256 string    `json:"notice_sha256"`
	NoticeKey    string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
}

// NoticeTo addresses a notice: an organisation, a user, or a role in a
// district.
type NoticeTo struct {
	OrgID    int64
	UserID   int64
	Role     Role
	District string
}

// Notice is a message to an organisation, a person, or the staff of a role.
type Notice struct {
	ID        int64     `json:"id"`
	CallID    string    `json:"call_id,omitempty"`
	Kind      string    `json:"kind"`
	Text      string    `json:"text"`
	CreatedAt time.Time `json:"created_at"`
}
