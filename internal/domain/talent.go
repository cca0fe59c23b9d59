package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// TalentKind is who a talent-library entry is.
type TalentKind string

// Talent kinds.
const (
	TalentExpert          TalentKind = "expert"           // 专家
	TalentVolunteerLeader TalentKind = "volunteer_leader" // 志愿者骨干
	TalentOrgHead         TalentKind = "org_head"         // 志愿服务组织负责人
	TalentPhilanthropist  TalentKind = "philanthropist"   // 慈善人士
)

// TalentKinds lists the kinds in display order.
var TalentKinds = []TalentKind{TalentExpert, TalentVolunteerLeader, TalentOrgHead, TalentPhilanthropist}

// Label is the Chinese name of the kind.
func (k TalentKind) Label() string {
	return map[TalentKind]string{TalentExpert: "评审专家", TalentVolunteerLeader: "志愿者骨干",
		TalentOrgHead: "志愿服务组织负责人", TalentPhilanthropist: "慈善人士"}[k]
}

// ExpertField is a field of expertise.
type ExpertField string

// ExpertFields lists the fields in display order.
var ExpertFields = []ExpertField{"elderly_care", "nursing", "social_work", "medicine", "psychology", "finance", "law", "management"}

// Label is the Chinese name of the field.
func (f ExpertField) Label() string {
	return map[ExpertField]string{"elderly_care": "养老服务", "nursing": "护理", "social_work": "社会工作", "medicine": "医学",
		"psychology": "心理", "finance": "财务", "law": "法律", "management": "项目管理"}[f]
}

// Employment is a job a talent held (for recusal: the last three years count).
type Employment struct {
	Employer string    `json:"employer"`
	USCC     string    `json:"uscc,omitempty"` // the employer's code, when it is an organisation
	From     time.Time `json:"from"`
	To       time.Time `json:"to,omitzero"` // zero: still there
}

// Relation is a declared tie to an organisation (relative of its legal
// representative, director, shareholder, any tie that affects fairness).
type Relation struct {
	USCC string `json:"uscc"`
	Note string `json:"note"`
}

// TalentEntry is what civil affairs enters for a talent.
type TalentEntry struct {
	Kind       TalentKind    `json:"kind"`
	Name       string        `json:"name"`
	Level      AreaLevel     `json:"level"`
	District   string        `json:"district"` // 市本级 for the city level
	Title      string        `json:"title"`    // 职称/职务
	Employer   string        `json:"employer"`
	Phone      string        `json:"phone"`
	Fields     []ExpertField `json:"fields"`
	Employment []Employment  `json:"employment"`
	Relations  []Relation    `json:"relations"`
	Available  bool          `json:"available"`
	Username   string        `json:"username,omitempty"` // the expert's account, for scoring
}

// Normalize trims what people type.
func (t TalentEntry) Normalize() TalentEntry {
	t.Name = strings.TrimSpace(t.Name)
	t.Title = strings.TrimSpace(t.Title)
	t.Employer = strings.TrimSpace(t.Employer)
	t.Phone = strings.ReplaceAll(strings.TrimSpace(t.Phone), " ", "")
	t.District = strings.TrimSpace(t.District)
	for i := range t.Relations {
		t.Relations[i].USCC = strings.ToUpper(strings.TrimSpace(t.Relations[i].USCC))
	}
	for i := range t.Employment {
		t.Employment[i].USCC = strings.ToUpper(strings.TrimSpace(t.Employment[i].USCC))
	}
	return t
}

// Validate says per field what to fix.
func (t TalentEntry) Validate() error {
	fe := FieldErrors{}
	known := false
	for _, k := range TalentKinds {
		known = known || k == t.Kind
	}
	if !known {
		fe.Add("kind", "请选择人才类型。")
	}
	if n := utf8.RuneCountInString(t.Name); n < 2 || n > 30 {
		fe.Add("name", "请填写姓名。")
	}
	if t.Level != LevelCity && t.Level != LevelDistrict && t.Level != LevelStreet && t.Level != LevelCommunity {
		fe.Add("level", "请选择所属层级（市、区、街道、社区）。")
	}
	if !ValidDistrict(t.District) || (t.Level == LevelCity) != (t.District == CityLevel) {
		fe.Add("district", "市级人才选“市本级”，其他层级请选择所在区。")
	}
	if t.Phone != "" && !ValidMobile(t.Phone) {
		fe.Add("phone", "请填写 11 位手机号码。")
	}
	for _, f := range t.Fields {
		if f.Label() == "" {
			fe.Add("fields", "专业领域有误，请从列表中选择。")
		}
	}
	if t.Kind == TalentExpert && len(t.Fields) == 0 {
		fe.Add("fields", "评审专家请至少选择一个专业领域。")
	}
	for i, e := range t.Employment {
		switch {
		case strings.TrimSpace(e.Employer) == "":
			fe.Add("employment", fmt.Sprintf("第 %d 条工作经历缺少单位名称。", i+1))
		case e.USCC != "" && !ValidUSCC(e.USCC):
			fe.Add("employment", fmt.Sprintf("第 %d 条工作经历的统一社会信用代码有误。", i+1))
		case e.From.IsZero() || (!e.To.IsZero() && e.To.Before(e.From)):
			fe.Add("employment", fmt.Sprintf("第 %d 条工作经历的起止时间有误。", i+1))
		}
	}
	for i, r := range t.Relations {
		if !ValidUSCC(r.USCC) {
			fe.Add("relations", fmt.Sprintf("第 %d 条利害关系的统一社会信用代码有误。", i+1))
		}
	}
	return fe.Err()
}

// Talent is an entry of the talent library (phone masked unless revealed).
type Talent struct {
	TalentEntry
	ID        int64     `json:"id"`
	UserID    int64     `json:"user_id,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// RecusalWindow is how far back employment counts for recusal (实施条例 §9).
const RecusalWindow = 3

// TiesTo lists why the talent must step aside from a matter concerning an
// organisation (by its USCC), judged on day: a declared relation, or
// employment there within the last three years. Empty: no tie.
func (t TalentEntry) TiesTo(uscc string, day time.Time) []string {
	var why []string
	for _, r := range t.Relations {
		if r.USCC == uscc {
			why = append(why, "申报的利害关系："+r.Note)
		}
	}
	cutoff := day.AddDate(-RecusalWindow, 0, 0)
	for _, e := range t.Employment {
		if e.USCC == uscc && (e.To.IsZero() || e.To.After(cutoff)) {
			why = append(why, "近三年在该单位任职（"+e.Employer+"）")
		}
	}
	return why
}
