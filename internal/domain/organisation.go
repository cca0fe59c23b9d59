package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// OrgType is the legal form of an organisation.
type OrgType string

// Organisation types.
const (
	OrgSocialGroup   OrgType = "social_group"   // 社会团体
	OrgServiceOrg    OrgType = "service_org"    // 民办非企业单位/社会服务机构
	OrgFoundation    OrgType = "foundation"     // 基金会
	OrgVolunteerOrg  OrgType = "volunteer_org"  // 志愿服务组织
	OrgEnterprise    OrgType = "enterprise"     // 企业
	OrgPublicService OrgType = "public_service" // 事业单位
)

// OrgTypes lists the types in display order.
var OrgTypes = []OrgType{OrgSocialGroup, OrgServiceOrg, OrgFoundation, OrgVolunteerOrg, OrgEnterprise, OrgPublicService}

// Label is the Chinese name of the type.
func (t OrgType) Label() string {
	switch t {
	case OrgSocialGroup:
		return "社会团体"
	case OrgServiceOrg:
		return "民办非企业单位/社会服务机构"
	case OrgFoundation:
		return "基金会"
	case OrgVolunteerOrg:
		return "志愿服务组织"
	case OrgEnterprise:
		return "企业"
	case OrgPublicService:
		return "事业单位"
	}
	return string(t)
}

// Valid reports whether t is a known type.
func (t OrgType) Valid() bool {
	for _, x := range OrgTypes {
		if x == t {
			return true
		}
	}
	return false
}

// OrgStatus is where an organisation's registration stands.
type OrgStatus string

// Organisation statuses.
const (
	OrgPending  OrgStatus = "pending"  // 待审核
	OrgVerified OrgStatus = "verified" // 已认证
	OrgRejected OrgStatus = "rejected" // 未通过
)

// Label is the Chinese name of the status.
func (s OrgStatus) Label() string {
	switch s {
	case OrgPending:
		return "待审核"
	case OrgVerified:
		return "已认证"
	case OrgRejected:
		return "未通过"
	}
	return string(s)
}

// OrgRegistration is what an organisation enters to register.
type OrgRegistration struct {
	Name         string  `json:"name"`
	USCC         string  `json:"uscc"`
	Type         OrgType `json:"org_type"`
	LegalRepName string  `json:"legal_rep_name"`
	LegalRepID   string  `json:"legal_rep_id"`
	ContactName  string  `json:"contact_name"`
	ContactPhone string  `json:"contact_phone"`
	District     string  `json:"district"`
}

// Normalize trims what people type and upper-cases codes.
func (r OrgRegistration) Normalize() OrgRegistration {
	r.Name = strings.Join(strings.Fields(r.Name), " ")
	r.USCC = strings.ToUpper(strings.TrimSpace(r.USCC))
	r.LegalRepName = strings.TrimSpace(r.LegalRepName)
	r.LegalRepID = NormalizeIDCard(r.LegalRepID)
	r.ContactName = strings.TrimSpace(r.ContactName)
	r.ContactPhone = strings.ReplaceAll(strings.TrimSpace(r.ContactPhone), " ", "")
	r.District = strings.TrimSpace(r.District)
	return r
}

// Validate says per field, in Chinese, what to fix.
func (r OrgRegistration) Validate(now time.Time) error {
	fe := FieldErrors{}
	switch n := utf8.RuneCountInString(r.Name); {
	case n > 100:
		fe.Add("name", fmt.Sprintf("组织名称过长（%d 个字），不能超过 100 个字，请按登记证书上的全称填写。", n))
	case n < 4:
		fe.Add("name", "请填写登记证书上的组织全称（4 至 100 个字）。")
	}
	if !ValidUSCC(r.USCC) {
		fe.Add("uscc", "统一社会信用代码应为 18 位，且校验位正确，请对照登记证书核对。")
	}
	if !r.Type.Valid() {
		fe.Add("org_type", "请选择组织类型。")
	}
	if n := utf8.RuneCountInString(r.LegalRepName); n < 2 || n > 30 {
		fe.Add("legal_rep_name", "请填写法定代表人姓名。")
	}
	if !ValidIDCard(r.LegalRepID, now) {
		fe.Add("legal_rep_id", "身份证号应为 18 位，出生日期和校验位须正确，请核对。")
	}
	if n := utf8.RuneCountInString(r.ContactName); n < 2 || n > 30 {
		fe.Add("contact_name", "请填写联系人姓名。")
	}
	if !ValidMobile(r.ContactPhone) {
		fe.Add("contact_phone", "请填写 11 位手机号码。")
	}
	if !ValidDistrict(r.District) || r.District == CityLevel {
		fe.Add("district", "请选择组织所在的区。")
	}
	return fe.Err()
}

// Organisation is a registered organisation. LegalRepID and ContactPhone
// hold masked values unless a permitted person asked for the full view.
type Organisation struct {
	ID           int64     `json:"id"`
	Name         string    `json:"name"`
	USCC         string    `json:"uscc"`
	Type         OrgType   `json:"org_type"`
	LegalRepName string    `json:"legal_rep_name"`
	LegalRepID   string    `json:"legal_rep_id"`
	ContactName  string    `json:"contact_name"`
	ContactPhone string    `json:"contact_phone"`
	District     string    `json:"district"`
	Status       OrgStatus `json:"status"`
	ReviewReason string    `json:"review_reason,omitempty"`
	ReviewedBy   int64     `json:"reviewed_by,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	// Debarred is true while a debarment covers today.
	Debarred bool `json:"debarred"`
}

// Debarment bars an organisation from bidding for a time.
type Debarment struct {
	ID        int64     `json:"id"`
	OrgID     int64     `json:"org_id"`
	Reason    string    `json:"reason"`
	StartsOn  time.Time `json:"starts_on"`
	EndsOn    time.Time `json:"ends_on"`
	CreatedBy int64     `json:"created_by"`
	CreatedAt time.Time `json:"created_at"`
}

// ValidateDebarment checks a debarment's reason and dates.
func ValidateDebarment(reason string, from, to time.Time) error {
	fe := FieldErrors{}
	if err := ValidateReason(reason); err != nil {
		fe.Add("reason", "请填写禁入原因（不超过 500 个字）。")
	}
	switch {
	case from.IsZero():
		fe.Add("starts_on", "请填写开始日期。")
	case to.IsZero() || to.Before(from):
		fe.Add("ends_on", "结束日期须不早于开始日期。")
	}
	return fe.Err()
}
