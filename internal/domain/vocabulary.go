package domain

import "time"

// Brand is one of Tianjin's two elderly-assistance volunteer brands.
type Brand string

// The two volunteer brands.
const (
	BrandCunCaoXin  Brand = "cuncaoxin"  // 寸草心：青少年助老
	BrandShouZuQing Brand = "shouzuqing" // 手足情：低龄老人助高龄老人
)

// Brands lists the brands in display order.
var Brands = []Brand{BrandCunCaoXin, BrandShouZuQing}

// Label is the Chinese name of the brand.
func (b Brand) Label() string {
	switch b {
	case BrandCunCaoXin:
		return "寸草心"
	case BrandShouZuQing:
		return "手足情"
	}
	return string(b)
}

// Valid reports whether b is a known brand.
func (b Brand) Valid() bool { return b == BrandCunCaoXin || b == BrandShouZuQing }

// CityLevel is the district value of a call run by the city bureau itself.
const CityLevel = "市本级"

// TianjinDistricts are Tianjin's 16 districts, in the order of the official list.
var TianjinDistricts = []string{
	"和平区", "河东区", "河西区", "南开区", "河北区", "红桥区", "东丽区", "西青区",
	"津南区", "北辰区", "武清区", "宝坻区", "滨海新区", "宁河区", "静海区", "蓟州区",
}

// ValidDistrict reports whether d is the city level or one of Tianjin's districts.
func ValidDistrict(d string) bool {
	if d == CityLevel {
		return true
	}
	for _, x := range TianjinDistricts {
		if x == d {
			return true
		}
	}
	return false
}

// Role is what a person may do in GrantFlow (docs/domain.md §1).
type Role string

// Roles.
const (
	RoleOrgMember     Role = "org_member"     // 社会组织
	RoleIdeaSubmitter Role = "idea_submitter" // 高校/科研院所
	RoleReporter      Role = "reporter"       // 社区/街道
	RoleCivilAffairs  Role = "civil_affairs"  // 民政
	RoleFinance       Role = "finance"        // 财政
	RoleExpert        Role = "expert"         // 评审专家
	RoleAdmin         Role = "admin"          // 管理员
)

// Roles lists every role in display order.
var Roles = []Role{RoleOrgMember, RoleIdeaSubmitter, RoleReporter, RoleCivilAffairs, RoleFinance, RoleExpert, RoleAdmin}

// Label is the Chinese name of the role.
func (r Role) Label() string {
	switch r {
	case RoleOrgMember:
		return "社会组织"
	case RoleIdeaSubmitter:
		return "高校/科研院所"
	case RoleReporter:
		return "社区/街道"
	case RoleCivilAffairs:
		return "民政"
	case RoleFinance:
		return "财政"
	case RoleExpert:
		return "评审专家"
	case RoleAdmin:
		return "管理员"
	}
	return string(r)
}

// ChinaTime is the time zone of every date GrantFlow shows or prints.
var ChinaTime = mustLoadChinaTime()

func mustLoadChinaTime() *time.Location {
	if loc, err := time.LoadLocation("Asia/Shanghai"); err == nil {
		return loc
	}
	return time.FixedZone("CST", 8*3600) // no zoneinfo on the host: China has no DST
}
