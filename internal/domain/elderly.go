package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// ElderAge is the age from which a person is on the elderly register.
const ElderAge = 60

// ElderRow is one row of the elderly register as imported or entered.
type ElderRow struct {
	Name          string          `json:"name"`
	IDCard        string          `json:"id_card"`
	Phone         string          `json:"phone"`
	CommunityCode string          `json:"community_code"`
	Categories    []ElderCategory `json:"categories"`
	Address       string          `json:"address"`
}

// ImportProblem is one reason a row of an import is refused.
type ImportProblem struct {
	Row    int    `json:"row"`    // as the spreadsheet numbers it (the header is row 1)
	Column string `json:"column"` // the column's header
	Reason string `json:"reason"`
}

// ImportOutcome is how a background import ended: the rows written, every
// problem (nothing written), or a message saying why it could not run.
type ImportOutcome struct {
	Imported int             `json:"imported"`
	Updated  int             `json:"updated,omitempty"`
	Problems []ImportProblem `json:"problems,omitempty"`
	Error    string          `json:"error,omitempty"`
}

// ImportProgress is how far a running import is.
type ImportProgress struct {
	Phase string `json:"phase"` // "checking" the rows, then "writing" them
	Done  int    `json:"done"`
	Total int    `json:"total"`
}

// Percent is the share done, for a progress bar (writing counts as the
// last tenth).
func (p ImportProgress) Percent() int {
	if p.Total == 0 {
		return 0
	}
	if p.Phase == "writing" {
		return 95
	}
	return min(90, p.Done*90/p.Total)
}

func (p ImportProblem) String() string {
	return fmt.Sprintf("第 %d 行「%s」：%s", p.Row, p.Column, p.Reason)
}

// ElderCategoryByLabel finds a register category by its Chinese name.
func ElderCategoryByLabel(label string) (ElderCategory, bool) {
	for _, c := range ElderCategories {
		if c.Label() == strings.TrimSpace(label) {
			return c, true
		}
	}
	return "", false
}

// ElderColumns are the import template's headers, in order.
var ElderColumns = []string{"姓名", "身份证号", "手机号", "社区代码", "类别", "住址"}

// ParseElderRow reads and checks one spreadsheet row (cells in ElderColumns
// order), naming every problem with its row and column. inScope says
// whether the importer may write into a community (and that it exists).
func ParseElderRow(rowNum int, cells []string, today time.Time, inScope func(community string) (ok bool, why string)) (ElderRow, []ImportProblem) {
	cell := func(i int) string {
		if i < len(cells) {
			return strings.TrimSpace(cells[i])
		}
		return ""
	}
	var probs []ImportProblem
	bad := func(col int, reason string) {
		probs = append(probs, ImportProblem{Row: rowNum, Column: ElderColumns[col], Reason: reason})
	}
	r := ElderRow{Name: cell(0), IDCard: NormalizeIDCard(cell(1)), Phone: strings.ReplaceAll(cell(2), " ", ""),
		CommunityCode: cell(3), Address: cell(5)}
	if n := utf8.RuneCountInString(r.Name); n < 2 || n > 30 {
		bad(0, "姓名为空或超过 30 个字")
	}
	switch {
	case r.IDCard == "":
		bad(1, "身份证号为空")
	case !ValidIDCard(r.IDCard, today):
		bad(1, "身份证号无效（位数、出生日期或校验位不对）")
	default:
		birth, _ := BirthDateFromIDCard(r.IDCard)
		if AgeOn(birth, today) < ElderAge {
			bad(1, fmt.Sprintf("未满 %d 周岁，不属于老年人名册", ElderAge))
		}
	}
	if r.Phone != "" && !ValidMobile(r.Phone) {
		bad(2, "手机号应为 11 位数字")
	}
	if r.CommunityCode == "" {
		bad(3, "社区代码为空")
	} else if ok, why := inScope(r.CommunityCode); !ok {
		bad(3, why)
	}
	if labels := cell(4); labels == "" {
		bad(4, "至少填写一个类别")
	} else {
		for _, l := range strings.FieldsFunc(labels, func(c rune) bool { return c == '、' || c == ',' || c == '，' || c == ';' }) {
			c, ok := ElderCategoryByLabel(l)
			if !ok {
				bad(4, fmt.Sprintf("没有“%s”这个类别（可选：%s）", strings.TrimSpace(l), elderLabels()))
				continue
			}
			r.Categories = append(r.Categories, c)
		}
	}
	if utf8.RuneCountInString(r.Address) > 200 {
		bad(5, "住址超过 200 个字")
	}
	return r, probs
}

func elderLabels() string {
	var out []string
	for _, c := range ElderCategories {
		out = append(out, c.Label())
	}
	return strings.Join(out, "、")
}

// Elder is a person on the register (ID card and phone masked unless a
// permitted person asked for the full view).
type Elder struct {
	ID            int64           `json:"id"`
	Name          string          `json:"name"`
	IDCard        string          `json:"id_card"`
	Phone         string          `json:"phone"`
	CommunityCode string          `json:"community_code"`
	CommunityName string          `json:"community_name"`
	District      string          `json:"district"`
	Categories    []ElderCategory `json:"categories"`
	Address       string          `json:"address"`
	BirthYear     int             `json:"birth_year"`
}
