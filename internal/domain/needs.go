package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// NeedCategory is the kind of help a need asks for.
type NeedCategory string

// Need categories.
const (
	NeedCaregiverTraining NeedCategory = "caregiver_training" // 家庭照护者培训
	NeedEmergencySkills   NeedCategory = "emergency_skills"   // 应急救护技能
	NeedHomeVisits        NeedCategory = "home_visits"        // 上门探访
	NeedMealHelp          NeedCategory = "meal_help"          // 助餐
	NeedCompanionship     NeedCategory = "companionship"      // 陪伴
	NeedHealthLectures    NeedCategory = "health_lectures"    // 健康讲座
	NeedOther             NeedCategory = "other"              // 其他
)

// NeedCategories lists the categories in display order.
var NeedCategories = []NeedCategory{NeedCaregiverTraining, NeedEmergencySkills, NeedHomeVisits, NeedMealHelp,
	NeedCompanionship, NeedHealthLectures, NeedOther}

// Label is the Chinese name of the category.
func (c NeedCategory) Label() string {
	return map[NeedCategory]string{
		NeedCaregiverTraining: "失能老年人家庭照护者培训", NeedEmergencySkills: "应急救护技能", NeedHomeVisits: "上门探访",
		NeedMealHelp: "助餐", NeedCompanionship: "陪伴关怀", NeedHealthLectures: "健康讲座", NeedOther: "其他",
	}[c]
}

// ElderCategory is a category of the elderly register (docs/domain.md §2).
type ElderCategory string

// Categories of the elderly register.
const (
	ElderHealthyYoungOld  ElderCategory = "healthy_young_old" // 低龄健康
	ElderPoor             ElderCategory = "poor"              // 经济困难
	ElderDisabled         ElderCategory = "disabled"          // 失能
	ElderVeryOld          ElderCategory = "very_old"          // 高龄
	ElderLivingAlone      ElderCategory = "living_alone"      // 独居
	ElderEmptyNest        ElderCategory = "empty_nest"        // 空巢
	ElderLeftBehind       ElderCategory = "left_behind"       // 留守
	ElderSeverelyDisabled ElderCategory = "severely_disabled" // 重度失能
	ElderSpecialFamily    ElderCategory = "special_family"    // 计划生育特殊家庭
)

// ElderCategories lists the register categories in display order.
var ElderCategories = []ElderCategory{ElderHealthyYoungOld, ElderPoor, ElderDisabled, ElderVeryOld, ElderLivingAlone,
	ElderEmptyNest, ElderLeftBehind, ElderSeverelyDisabled, ElderSpecialFamily}

// Label is the Chinese name of the register category.
func (c ElderCategory) Label() string {
	return map[ElderCategory]string{
		ElderHealthyYoungOld: "低龄健康", ElderPoor: "经济困难", ElderDisabled: "失能", ElderVeryOld: "高龄",
		ElderLivingAlone: "独居", ElderEmptyNest: "空巢", ElderLeftBehind: "留守", ElderSeverelyDisabled: "重度失能",
		ElderSpecialFamily: "计划生育特殊家庭",
	}[c]
}

// Urgency says how soon a need should be met.
type Urgency string

// Urgencies of a need.
const (
	UrgencyHigh   Urgency = "high"
	UrgencyMedium Urgency = "medium"
	UrgencyLow    Urgency = "low"
)

// Label is the Chinese name of the urgency.
func (u Urgency) Label() string {
	return map[Urgency]string{UrgencyHigh: "紧急", UrgencyMedium: "一般", UrgencyLow: "不急"}[u]
}

// Quarter is a reporting quarter, such as 2026Q4.
type Quarter struct {
	Year int
	Q    int // 1-4
}

// QuarterOf is the quarter a moment falls in (China time).
func QuarterOf(t time.Time) Quarter {
	t = t.In(ChinaTime)
	return Quarter{Year: t.Year(), Q: (int(t.Month())-1)/3 + 1}
}

// ParseQuarter reads "2026Q4".
func ParseQuarter(s string) (Quarter, error) {
	var q Quarter
	if _, err := fmt.Sscanf(strings.ToUpper(strings.TrimSpace(s)), "%dQ%d", &q.Year, &q.Q); err != nil || q.Q < 1 || q.Q > 4 || q.Year < 2000 || q.Year > 2100 {
		return Quarter{}, Errorf(CodeInvalid, "季度格式应为 2026Q4。")
	}
	return q, nil
}

func (q Quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.Q) }

// Label is the Chinese name: 2026年第四季度.
func (q Quarter) Label() string {
	return fmt.Sprintf("%d年第%s季度", q.Year, []string{"一", "二", "三", "四"}[q.Q-1])
}

// Start is the first moment of the quarter (China time).
func (q Quarter) Start() time.Time {
	return time.Date(q.Year, time.Month((q.Q-1)*3+1), 1, 0, 0, 0, 0, ChinaTime)
}

// End is the first moment after the quarter.
func (q Quarter) End() time.Time { return q.Start().AddDate(0, 3, 0) }

// ReportWindow is when a street reports a quarter's needs: from the last
// fortnight of the quarter to the 10th day of the next quarter (a setting
// in practice; these are the defaults).
func (q Quarter) ReportWindow() (opens, deadline time.Time) {
	return q.End().AddDate(0, 0, -14), q.End().AddDate(0, 0, 9)
}

// NeedEntry is a need as a community worker records it.
type NeedEntry struct {
	CommunityCode string                `json:"community_code"`
	Category      NeedCategory          `json:"category"`
	Urgency       Urgency               `json:"urgency"`
	Affected      map[ElderCategory]int `json:"affected"` // elderly people affected, per register category
	Description   string                `json:"description"`
}

// Validate says per field what to fix.
func (n NeedEntry) Validate() error {
	fe := FieldErrors{}
	if n.CommunityCode == "" {
		fe.Add("community_code", "请选择社区。")
	}
	valid := false
	for _, c := range NeedCategories {
		valid = valid || c == n.Category
	}
	if !valid {
		fe.Add("category", "请选择需求类别。")
	}
	if n.Urgency != UrgencyHigh && n.Urgency != UrgencyMedium && n.Urgency != UrgencyLow {
		fe.Add("urgency", "请选择紧急程度。")
	}
	total := 0
	for c, k := range n.Affected {
		known := false
		for _, x := range ElderCategories {
			known = known || x == c
		}
		if !known || k < 0 || k > 100000 {
			fe.Add("affected", "涉及老年人数须为 0 至 100000 的整数，并按名册类别填写。")
		}
		total += k
	}
	if total == 0 {
		fe.Add("affected", "请至少填写一个类别的涉及老年人数。")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(n.Description)); n < 5 || n > 2000 {
		fe.Add("description", "请描述需求（5 至 2000 个字）：走访中发现了什么、希望得到什么帮助。")
	}
	return fe.Err()
}

// Need is a recorded need.
type Need struct {
	NeedEntry
	ID            int64     `json:"id"`
	CommunityName string    `json:"community_name"`
	StreetCode    string    `json:"street_code"`
	District      string    `json:"district"`
	Quarter       string    `json:"quarter"`
	RecordedBy    int64     `json:"recorded_by"`
	CreatedAt     time.Time `json:"created_at"`
}

// CycleStatus is where a street's quarterly report stands.
type CycleStatus string

// Reporting cycle statuses.
const (
	CycleOpen      CycleStatus = "open"      // 填报中
	CycleLate      CycleStatus = "late"      // 已逾期
	CycleSubmitted CycleStatus = "submitted" // 已报送
)

// Label is the Chinese name of the status.
func (s CycleStatus) Label() string {
	return map[CycleStatus]string{CycleOpen: "填报中", CycleLate: "已逾期未报", CycleSubmitted: "已报送"}[s]
}

// RollUp totals a street's needs for a quarter, as reported to the district.
type RollUp struct {
	Proposals  int                   `json:"proposals,omitempty"` // district half-year reports: proposals made
	Needs      int                   `json:"needs"`
	ByCategory map[NeedCategory]int  `json:"by_category"`
	Affected   map[ElderCategory]int `json:"affected"`
	Urgent     int                   `json:"urgent"`
	Registers  *RegisterSnapshot     `json:"registers,omitempty"` // the two registers as they stood when reported
}

// RegisterSnapshot is the two registers (两册) of an area as reported
// level by level: the elderly by category, the volunteers, the active pairs
// and the hours credited in the period.
type RegisterSnapshot struct {
	Elderly    int                   `json:"elderly"`
	ByCategory map[ElderCategory]int `json:"by_category"`
	Volunteers int                   `json:"volunteers"`
	Minors     int                   `json:"volunteers_with_guardian"` // 寸草心 pupils registered with a guardian's consent
	Pairs      int                   `json:"pairs"`
	Hours      float64               `json:"hours"` // credited in the period
}

// RollUpNeeds totals needs (a pure function: the street's report).
func RollUpNeeds(needs []Need) RollUp {
	r := RollUp{ByCategory: map[NeedCategory]int{}, Affected: map[ElderCategory]int{}}
	for _, n := range needs {
		r.Needs++
		r.ByCategory[n.Category]++
		for c, k := range n.Affected {
			r.Affected[c] += k
		}
		if n.Urgency == UrgencyHigh {
			r.Urgent++
		}
	}
	return r
}

// Half is the half-year a quarter ends (2 or 4): districts report to the
// city every half year.
func (q Quarter) Half() (string, bool) {
	if q.Q%2 != 0 {
		return "", false
	}
	return fmt.Sprintf("%dH%d", q.Year, q.Q/2), true
}

// HalfQuarters are the two quarters of a half year such as 2026H2.
func HalfQuarters(half string) ([]string, error) {
	var y, h int
	if _, err := fmt.Sscanf(strings.ToUpper(strings.TrimSpace(half)), "%dH%d", &y, &h); err != nil || h < 1 || h > 2 {
		return nil, Errorf(CodeInvalid, "半年度格式应为 2026H2。")
	}
	return []string{Quarter{y, 2*h - 1}.String(), Quarter{y, 2 * h}.String()}, nil
}

// HalfWindow is when a district reports a half year to the city: from the
// last fortnight of the half to the 20th of the next month.
func HalfWindow(q Quarter) (opens, deadline time.Time) {
	return q.End().AddDate(0, 0, -14), q.End().AddDate(0, 0, 19)
}

// IsPeriod reports whether s is a quarter (2026Q4) or a half year (2026H2).
func IsPeriod(s string) bool {
	if _, err := ParseQuarter(s); err == nil {
		return true
	}
	_, err := HalfQuarters(s)
	return err == nil
}
