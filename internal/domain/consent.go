package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// GuardianAge is the age under which a person's data needs a guardian's
// consent (个人信息保护法 §31: under 14).
const GuardianAge = 14

// BirthDateFromIDCard reads the birth date of a valid ID card number.
func BirthDateFromIDCard(id string) (time.Time, bool) {
	if len(id) != 18 {
		return time.Time{}, false
	}
	t, err := time.ParseInLocation("20060102", id[6:14], ChinaTime)
	return t, err == nil
}

// AgeOn is a person's age in whole years on day.
func AgeOn(birth, day time.Time) int {
	age := day.Year() - birth.Year()
	if day.Month() < birth.Month() || (day.Month() == birth.Month() && day.Day() < birth.Day()) {
		age--
	}
	return age
}

// Consent records that a person (or their guardian) agreed to the
// processing of their personal data for a purpose.
type Consent struct {
	ID               int64     `json:"id"`
	SubjectType      string    `json:"subject_type"` // e.g. organisation_legal_rep, trainee, elderly
	SubjectID        string    `json:"subject_id"`
	SubjectName      string    `json:"subject_name"` // masked when shown
	Purpose          string    `json:"purpose"`
	GivenAt          time.Time `json:"given_at"`
	RecordedBy       int64     `json:"recorded_by"`
	RecordedByName   string    `json:"recorded_by_name"`
	GuardianName     string    `json:"guardian_name,omitempty"`
	GuardianRelation string    `json:"guardian_relation,omitempty"`
}

// ValidateConsent checks a consent: a purpose, and a guardian with their
// relation when the person was under 14 when consent was given.
func ValidateConsent(c Consent, birth time.Time) error {
	fe := FieldErrors{}
	if n := utf8.RuneCountInString(strings.TrimSpace(c.Purpose)); n < 2 || n > 200 {
		fe.Add("purpose", "请写明处理个人信息的目的。")
	}
	if c.GivenAt.IsZero() {
		fe.Add("given_at", "请填写同意日期。")
	}
	if !birth.IsZero() && AgeOn(birth, c.GivenAt) < GuardianAge {
		if strings.TrimSpace(c.GuardianName) == "" {
			fe.Add("guardian_name", "未满 14 周岁，须由监护人同意：请填写监护人姓名。")
		}
		if strings.TrimSpace(c.GuardianRelation) == "" {
			fe.Add("guardian_relation", "请填写监护人与本人的关系。")
		}
	}
	return fe.Err()
}
