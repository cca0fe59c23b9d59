package domain

import (
	"fmt"
	"slices"
	"strconv"
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
	// Consent to processing the volunteer's personal data (PIPL §13–14);
	// a child under 14 (寸草心 pupils) needs a guardian's (PIPL §31).
	Consent          bool   `json:"consent"`
	GuardianName     string `json:"guardian_name,omitempty"`
	GuardianRelation string `json:"guardian_relation,omitempty"`
}

// MayBeUnder14 reports whether someone born in birthYear may be under 14 in
// now's year (the day is not known, so the year they turn 14 counts too).
func MayBeUnder14(birthYear int, now time.Time) bool { return now.Year()-birthYear <= 14 }

// Validate says per field what to fix.
func (v VolunteerEntry) Validate(now time.Time) error {
	fe := FieldErrors{}
	if !v.Consent {
		fe.Add("consent", "请确认已取得志愿者本人（未满 14 周岁的，其监护人）对处理其个人信息的同意。")
	}
	if MayBeUnder14(v.BirthYear, now) {
		if n := utf8.RuneCountInString(strings.TrimSpace(v.GuardianName)); n < 2 || n > 30 {
			fe.Add("guardian_name", "志愿者可能未满 14 周岁：请填写监护人姓名，并取得监护人的单独同意（个人信息保护法第三十一条）。")
		}
		if strings.TrimSpace(v.GuardianRelation) == "" {
			fe.Add("guardian_relation", "请填写监护人与志愿者的关系（如父亲、母亲）。")
		}
	}
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
	ID            int64     `json:"id"`
	ElderName     string    `json:"elder_name"` // masked; the institution's name for a team visit
	AtInstitution bool      `json:"at_institution,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// Hours converts logged minutes into time-bank hours (to the tenth).
func Hours(minutes int) float64 {
	return float64(minutes*10/60) / 10
}

// VolunteerColumns are the import template's columns, in order.
var VolunteerColumns = []string{"姓名", "手机号", "出生年份", "社区代码", "品牌", "志愿服务组织代码", "监护人姓名", "监护人关系", "已同意"}

// VolunteerRow is one checked row of a volunteers import; OrgUSCC is
// resolved to OrgID by the caller.
type VolunteerRow struct {
	VolunteerEntry
	OrgUSCC string
}

// ParseVolunteerRow reads and checks one row (cells in VolunteerColumns
// order), naming every problem with its row and column. inScope says whether
// the importer may write into a community (and that it exists).
func ParseVolunteerRow(rowNum int, cells []string, now time.Time, inScope func(string) (bool, string)) (VolunteerRow, []ImportProblem) {
	cell := func(i int) string {
		if i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	var r VolunteerRow
	r.Name, r.Phone, r.CommunityCode = cell(0), strings.ReplaceAll(cell(1), " ", ""), cell(3)
	r.OrgUSCC, r.GuardianName, r.GuardianRelation = strings.ToUpper(cell(5)), cell(6), cell(7)
	r.Consent = cell(8) == "是"
	var probs []ImportProblem
	y, err := strconv.Atoi(cell(2))
	if err != nil {
		probs = append(probs, ImportProblem{Row: rowNum, Column: VolunteerColumns[2], Reason: "出生年份应为四位数字，如 2012"})
	}
	r.BirthYear = y
	switch cell(4) {
	case BrandCunCaoXin.Label():
		r.Brand = BrandCunCaoXin
	case BrandShouZuQing.Label():
		r.Brand = BrandShouZuQing
	}
	if r.OrgUSCC != "" && !ValidUSCC(r.OrgUSCC) {
		probs = append(probs, ImportProblem{Row: rowNum, Column: VolunteerColumns[5], Reason: "统一社会信用代码无效（位数或校验位不对）；不属于任何组织请留空"})
	}
	if r.CommunityCode != "" {
		if ok, why := inScope(r.CommunityCode); !ok {
			probs = append(probs, ImportProblem{Row: rowNum, Column: VolunteerColumns[3], Reason: why})
		}
	}
	column := map[string]int{"name": 0, "phone": 1, "birth_year": 2, "community_code": 3, "brand": 4, "guardian_name": 6, "guardian_relation": 7, "consent": 8}
	for field, msg := range FieldsOf(r.Validate(now)) {
		switch {
		case field == "birth_year" && err != nil:
			continue // already said
		case field == "brand":
			msg = "品牌应为“寸草心”或“手足情”"
		case field == "consent":
			msg = "“已同意”一栏应为“是”：须取得本人（未满 14 周岁的，其监护人）同意后登记"
		}
		probs = append(probs, ImportProblem{Row: rowNum, Column: VolunteerColumns[column[field]], Reason: msg})
	}
	slices.SortFunc(probs, func(a, b ImportProblem) int {
		return slices.Index(VolunteerColumns, a.Column) - slices.Index(VolunteerColumns, b.Column)
	})
	return r, probs
}

// InstitutionEntry is an elderly-care institution (养老机构) a 寸草心 team
// can be paired with.
type InstitutionEntry struct {
	Name          string `json:"name"`
	CommunityCode string `json:"community_code"`
	Address       string `json:"address"`
	Beds          int    `json:"beds"`
}

// Validate says per field what to fix.
func (e InstitutionEntry) Validate() error {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(e.Name)); n < 2 || n > 60 {
		fe.Add("name", "请填写机构名称（2 至 60 字）。")
	}
	if e.CommunityCode == "" {
		fe.Add("community_code", "请选择机构所在社区。")
	}
	if utf8.RuneCountInString(e.Address) > 200 {
		fe.Add("address", "地址不超过 200 字。")
	}
	if e.Beds < 0 || e.Beds > 10000 {
		fe.Add("beds", "床位数应在 0 至 10000 之间。")
	}
	return fe.Err()
}

// Institution is a registered institution.
type Institution struct {
	InstitutionEntry
	ID       int64  `json:"id"`
	District string `json:"district"`
	Teams    int    `json:"teams"` // teams paired with it
}

// TeamEntry is a volunteer team (a school class, a youth group).
type TeamEntry struct {
	Name          string  `json:"name"`
	CommunityCode string  `json:"community_code"`
	OrgID         int64   `json:"org_id,omitempty"`
	Members       []int64 `json:"members"` // volunteer IDs
}

// MaxTeamMembers bounds a team.
const MaxTeamMembers = 200

// Validate says per field what to fix.
func (t TeamEntry) Validate() error {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(t.Name)); n < 2 || n > 40 {
		fe.Add("name", "请填写服务队名称（2 至 40 字），如“平江里小学五年级二班寸草心服务队”。")
	}
	if t.CommunityCode == "" {
		fe.Add("community_code", "请选择服务队所在社区。")
	}
	if len(t.Members) == 0 || len(t.Members) > MaxTeamMembers {
		fe.Add("members", fmt.Sprintf("请选择服务队成员（1 至 %d 名已登记的志愿者）。", MaxTeamMembers))
	}
	return fe.Err()
}

// Team is a registered team with the institution it is paired with.
type Team struct {
	ID              int64     `json:"id"`
	Name            string    `json:"name"`
	CommunityCode   string    `json:"community_code"`
	District        string    `json:"district"`
	OrgID           int64     `json:"org_id,omitempty"`
	InstitutionID   int64     `json:"institution_id,omitempty"`
	InstitutionName string    `json:"institution_name,omitempty"`
	PairedOn        time.Time `json:"paired_on,omitzero"`
	Members         int       `json:"members"`
	Hours           float64   `json:"hours"` // person-hours credited to its members by team visits
}

// TeamVisitEntry is a team's visit to its institution: every participant
// is credited the minutes.
type TeamVisitEntry struct {
	TeamID       int64     `json:"team_id"`
	Kind         VisitKind `json:"kind"`
	VisitedAt    time.Time `json:"visited_at"`
	Minutes      int       `json:"minutes"`
	Note         string    `json:"note"`
	Participants []int64   `json:"participants"` // members who took part
}

// Validate checks the visit like a pair's visit, with its participants.
func (v TeamVisitEntry) Validate(now time.Time) error {
	fe := FieldsOf(VisitEntry{Kind: v.Kind, VisitedAt: v.VisitedAt, Minutes: v.Minutes, Note: v.Note}.Validate(now))
	if fe == nil {
		fe = map[string]string{}
	}
	if len(v.Participants) == 0 {
		fe["participants"] = "请勾选参加本次服务的队员。"
	}
	return FieldErrors(fe).Err()
}
