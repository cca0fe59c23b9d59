package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// VolunteerEntry is a volunteer on an area's register.
type VolunteerEntry struct {
	Name          string `json:"name"`
	Phone         string `json:"phone"`
	BirthYear     int    `json:"birth_year"`
	CommunityCode string `json:"community_code"`
	Brand         Brand  `json:"brand"`
	OrgID         int64  `json:"org_id,omitempty"` // the volunteer organisation, if any
}

// Validate says per field what to fix.
func (v VolunteerEntry) Validate(now time.Time) error {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(v.Name)); n < 2 || n > 30 {
		fe.Add("name", "请填写姓名。")
	}
	if !ValidMobile(v.Phone) {
		fe.Add("phone", "请填写 11 位手机号码，便于联系志愿者。")
	}
	if y := now.Year(); v.BirthYear < y-100 || v.BirthYear > y-6 {
		fe.Add("birth_year", "出生年份有误。")
	}
	if v.CommunityCode == "" {
		fe.Add("community_code", "请选择社区。")
	}
	if !v.Brand.Valid() {
		fe.Add("brand", "请选择品牌：寸草心（青少年）或手足情（低龄老人）。")
	}
	return fe.Err()
}

// Volunteer is a registered volunteer (phone masked).
type Volunteer struct {
	VolunteerEntry
	ID       int64   `json:"id"`
	District string  `json:"district"`
	Hours    float64 `json:"hours"` // time bank balance (志愿服务时间储蓄)
}

// VisitKind is what a volunteer did for the person they are paired with.
type VisitKind string

// VisitKinds lists the kinds in display order.
var VisitKinds = []VisitKind{"phone_call", "home_visit", "chat", "meal_delivery", "emergency_help", "need_reported"}

// Label is the Chinese name of the kind.
func (k VisitKind) Label() string {
	return map[VisitKind]string{"phone_call": "电话问候", "home_visit": "上门探访", "chat": "陪伴聊天", "meal_delivery": "送餐",
		"emergency_help": "紧急帮助", "need_reported": "反映需求"}[k]
}

// Valid reports whether k is a known kind.
func (k VisitKind) Valid() bool { return k.Label() != "" }

// MaxVisitMinutes bounds one visit log entry.
const MaxVisitMinutes = 8 * 60

// VisitEntry is one visit log entry.
type VisitEntry struct {
	PairID    int64     `json:"pair_id"`
	Kind      VisitKind `json:"kind"`
	VisitedAt time.Time `json:"visited_at"`
	Minutes   int       `json:"minutes"`
	Note      string    `json:"note"`
}

// Validate checks a visit: a known kind, a time not in the future, a
// duration that a visit can take.
func (v VisitEntry) Validate(now time.Time) error {
	fe := FieldErrors{}
	if !v.Kind.Valid() {
		fe.Add("kind", "请选择服务方式。")
	}
	if v.VisitedAt.IsZero() || v.VisitedAt.After(now.Add(5*time.Minute)) {
		fe.Add("visited_at", "请填写服务时间（不能晚于现在）。")
	}
	if v.Minutes < 5 || v.Minutes > MaxVisitMinutes {
		fe.Add("minutes", "服务时长应在 5 分钟到 8 小时之间。")
	}
	if utf8.RuneCountInString(v.Note) > 500 {
		fe.Add("note", "备注不超过 500 个字。")
	}
	return fe.Err()
}

// Visit is a logged visit.
type Visit struct {
	VisitEntry
	ID        int64     `json:"id"`
	ElderName string    `json:"elder_name"` // masked
	CreatedAt time.Time `json:"created_at"`
}

// Hours converts logged minutes into time-bank hours (to the tenth).
func Hours(minutes int) float64 {
	return float64(minutes*10/60) / 10
}
