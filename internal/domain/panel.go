// The panel: the experts drawn for a call, and bidders' recusal requests.

package domain

import "time"

// PanelStatus is where a drawn expert stands.
type PanelStatus string

// Panel statuses.
const (
	PanelExcluded  PanelStatus = "excluded"  // 因利害关系自动排除
	PanelDrawn     PanelStatus = "drawn"     // 已抽中，待声明
	PanelConfirmed PanelStatus = "confirmed" // 已声明无利害关系
	PanelRecused   PanelStatus = "recused"   // 自行回避，已替换
)

// Label is the Chinese name of the status.
func (s PanelStatus) Label() string {
	return map[PanelStatus]string{PanelExcluded: "自动回避（利害关系）", PanelDrawn: "待声明", PanelConfirmed: "已声明无利害关系",
		PanelRecused: "声明回避（已替换）"}[s]
}

// PanelMember is an expert considered for a call's panel.
type PanelMember struct {
	CallID     string      `json:"call_id"`
	TalentID   int64       `json:"talent_id"`
	UserID     int64       `json:"user_id"`
	Name       string      `json:"name"`
	Seq        int         `json:"seq"`
	Status     PanelStatus `json:"status"`
	Reason     string      `json:"reason,omitempty"`
	CreatedAt  time.Time   `json:"created_at"`
	DeclaredAt time.Time   `json:"declared_at,omitzero"`
	DrawKey    string      `json:"-"` // the draw that drew this member (workflow run and step)
}

// RecusalRequest is a bidder's written request that an expert step aside.
type RecusalRequest struct {
	ID        string    `json:"id"`
	CallID    string    `json:"call_id"`
	OrgID     int64     `json:"org_id"`
	OrgName   string    `json:"org_name"`
	Reason    string    `json:"reason"`
	FiledAt   time.Time `json:"filed_at"`
	Upheld    *bool     `json:"upheld,omitempty"`
	Seat      int       `json:"seat,omitempty"` // the panel seat (专家 N) it concerned, when upheld
	Answer    string    `json:"answer,omitempty"`
	DecidedAt time.Time `json:"decided_at,omitzero"`
}
