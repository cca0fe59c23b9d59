package domain

import (
	"testing"
	"time"
)

func TestValidIDCard(t *testing.T) {
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		id string
		ok bool
	}{
		{"11010519491231002X", true},  // GB 11643 example
		{"110105194912310029", false}, // wrong check character
		{"11010519491231002x", false}, // lower-case x: normalise first
		{"120101199003071239", false},
		{"12010119900307123", false},  // 17 characters
		{"12010120300307123X", false}, // born in the future
		{"120101199002301231", false}, // 30 February
		{"1201011990030712A4", false}, // letter inside
	}
	for _, tc := range tests {
		if got := ValidIDCard(tc.id, now); got != tc.ok {
			t.Errorf("ValidIDCard(%s) = %v, want %v", tc.id, got, tc.ok)
		}
	}
	if !ValidIDCard(NormalizeIDCard(" 11010519491231002x "), now) {
		t.Error("normalised lower-case x refused")
	}
	// of the eleven possible check characters exactly the right one passes
	for _, base := range []string{"12010319580101123", "12022519460715002", "12011620151231004"} {
		for _, c := range []byte("0123456789X") {
			id := base + string(c)
			if got, want := ValidIDCard(id, now), c == checkFor(base); got != want {
				t.Errorf("ValidIDCard(%s) = %v, want %v", id, got, want)
			}
		}
	}
}

// checkFor computes the GB 11643 check character independently of ValidIDCard.
func checkFor(base string) byte {
	sum := 0
	for i := 0; i < 17; i++ {
		w := 1
		for j := 0; j < 17-i; j++ {
			w = w * 2 % 11
		}
		sum += int(base[i]-'0') * w
	}
	return "10X98765432"[sum%11]
}

func TestValidUSCC(t *testing.T) {
	tests := []struct {
		code string
		ok   bool
	}{
		{"91350100M000100Y43", true},  // published example
		{"91110000600037341L", true},  // a registered company
		{"91350100M000100Y44", false}, // wrong check character
		{"91350100M000100I43", false}, // I is not in the alphabet
		{"9135010OM000100Y43", false}, // O is not in the alphabet
		{"91350100m000100Y43", false}, // lower case
		{"91350100M000100Y4", false},  // 17 characters
	}
	for _, tc := range tests {
		if got := ValidUSCC(tc.code); got != tc.ok {
			t.Errorf("ValidUSCC(%s) = %v, want %v", tc.code, got, tc.ok)
		}
	}
	if c, ok := USCCCheckChar("91350100M000100Y4"); !ok || c != '3' {
		t.Errorf("USCCCheckChar = %c %v, want 3", c, ok)
	}
	if _, ok := USCCCheckChar("91350100M000100I4"); ok {
		t.Error("a check character for a prefix outside the alphabet")
	}
}

func TestValidMobile(t *testing.T) {
	for s, ok := range map[string]bool{
		"13812345678": true, "19912345678": true, "12812345678": false,
		"1381234567": false, "138123456789": false, "1381234567a": false, "23812345678": false,
	} {
		if ValidMobile(s) != ok {
			t.Errorf("ValidMobile(%s) != %v", s, ok)
		}
	}
}

func TestMasks(t *testing.T) {
	tests := []struct{ in, want string }{
		{"11010519491231002X", "110***********002X"},
		{"13812345678", "138****5678"},
		{"1234567", "*******"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := MaskMiddle(tc.in); got != tc.want {
			t.Errorf("MaskMiddle(%s) = %s, want %s", tc.in, got, tc.want)
		}
	}
	for in, want := range map[string]string{"张三丰": "张**", "李四": "李*", "王": "王", "欧阳娜娜": "欧***"} {
		if got := MaskName(in); got != want {
			t.Errorf("MaskName(%s) = %s, want %s", in, got, want)
		}
	}
}

func TestOrgRegistrationValidate(t *testing.T) {
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	good := OrgRegistration{Name: "河西区夕阳红社会工作服务中心", USCC: "91350100M000100Y43", Type: OrgServiceOrg,
		LegalRepName: "陈晨", LegalRepID: "11010519491231002x", ContactName: "陈晨", ContactPhone: "138 1234 5678", District: "河西区"}.Normalize()
	if err := good.Validate(now); err != nil {
		t.Fatalf("good registration refused: %v", err)
	}
	tests := map[string]func(*OrgRegistration){
		"uscc":           func(r *OrgRegistration) { r.USCC = "91350100M000100Y44" },
		"legal_rep_id":   func(r *OrgRegistration) { r.LegalRepID = "110105194912310029" },
		"contact_phone":  func(r *OrgRegistration) { r.ContactPhone = "02212345678" },
		"org_type":       func(r *OrgRegistration) { r.Type = "club" },
		"district":       func(r *OrgRegistration) { r.District = CityLevel },
		"name":           func(r *OrgRegistration) { r.Name = "中心" },
		"legal_rep_name": func(r *OrgRegistration) { r.LegalRepName = "" },
	}
	for field, mutate := range tests {
		r := good
		mutate(&r)
		err := r.Validate(now)
		e, ok := err.(*Error)
		if !ok || e.Fields[field] == "" || len(e.Fields) != 1 {
			t.Errorf("%s: got %v", field, err)
		}
	}
}

func TestConsentNeedsGuardianUnder14(t *testing.T) {
	given := time.Date(2026, 9, 1, 10, 0, 0, 0, ChinaTime)
	birth := func(id string) time.Time {
		b, ok := BirthDateFromIDCard(id)
		if !ok {
			t.Fatalf("no birth date in %s", id)
		}
		return b
	}
	pupil := birth("120103201301150021")   // 13 on the day of consent
	turns14 := birth("120103201209010021") // 14 that very day
	adult := birth("11010519491231002X")
	c := Consent{Purpose: "寸草心志愿服务活动登记", GivenAt: given}
	if err := ValidateConsent(c, pupil); err == nil {
		t.Fatal("a 13-year-old's consent without a guardian accepted")
	}
	withGuardian := c
	withGuardian.GuardianName, withGuardian.GuardianRelation = "王芳", "母亲"
	if err := ValidateConsent(withGuardian, pupil); err != nil {
		t.Fatalf("guardian consent refused: %v", err)
	}
	if err := ValidateConsent(c, turns14); err != nil {
		t.Fatalf("a 14-year-old needs no guardian: %v", err)
	}
	if err := ValidateConsent(c, adult); err != nil {
		t.Fatal(err)
	}
	if err := ValidateConsent(Consent{GivenAt: given}, adult); err == nil {
		t.Fatal("consent without purpose accepted")
	}
	if AgeOn(adult, given) != 76 {
		t.Fatalf("age %d", AgeOn(adult, given))
	}
}
