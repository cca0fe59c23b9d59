package domain

import (
	"strings"
	"time"
	"unicode/utf8"
)

// ValidIDCard reports whether s is a valid 18-character resident identity
// card number (居民身份证号, GB 11643-1999): 17 digits, a birth date that
// exists and is not in the future, and the ISO 7064 MOD 11-2 check character
// (0-9 or X).
func ValidIDCard(s string, now time.Time) bool {
	if len(s) != 18 {
		return false
	}
	check, ok := IDCardCheckChar(s[:17])
	if !ok || check != s[17] {
		return false
	}
	birth, err := time.Parse("20060102", s[6:14])
	if err != nil || birth.Year() < 1880 || birth.After(now) {
		return false
	}
	return true
}

// IDCardCheckChar computes the GB 11643 check character (ISO 7064 MOD 11-2)
// of the first 17 digits of an ID card number; false when they are not 17
// digits.
func IDCardCheckChar(first17 string) (byte, bool) {
	if len(first17) != 17 {
		return 0, false
	}
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		c := first17[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		sum += int(c-'0') * weights[i]
	}
	return "10X98765432"[sum%11], true
}

// NormalizeIDCard trims spaces and upper-cases a trailing x.
func NormalizeIDCard(s string) string {
	return strings.ToUpper(strings.TrimSpace(s))
}

// uscc is the alphabet of the unified social credit code (GB 32100-2015):
// digits and upper-case letters without I, O, Z, S, V.
const uscc = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// USCCCheckChar computes the check character (MOD 31) of the first 17
// characters of a unified social credit code; false when base is not 17
// characters of the code's alphabet.
func USCCCheckChar(base string) (byte, bool) {
	if len(base) != 17 {
		return 0, false
	}
	weights := [17]int{1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28}
	sum := 0
	for i := 0; i < 17; i++ {
		v := strings.IndexByte(uscc, base[i])
		if v < 0 {
			return 0, false
		}
		sum += v * weights[i]
	}
	return uscc[(31-sum%31)%31], true
}

// ValidUSCC reports whether s is a valid 18-character unified social credit
// code (统一社会信用代码, GB 32100-2015), checking its alphabet and its check
// character (MOD 31).
func ValidUSCC(s string) bool {
	if len(s) != 18 {
		return false
	}
	c, ok := USCCCheckChar(s[:17])
	return ok && s[17] == c
}

// ValidMobile reports whether s is a mainland China mobile number: 11
// digits starting with 1 and a second digit 3-9.
func ValidMobile(s string) bool {
	if len(s) != 11 || s[0] != '1' || s[1] < '3' || s[1] > '9' {
		return false
	}
	for i := 2; i < 11; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// MaskMiddle keeps the first 3 and last 4 characters and masks the rest, the
// de-identification docs/domain.md §5 asks for ID numbers and phones:
// 120101199003071234 → 120***********1234, 13812345678 → 138****5678.
// Strings of 7 characters or fewer are masked whole.
func MaskMiddle(s string) string {
	n := utf8.RuneCountInString(s)
	if n <= 7 {
		return strings.Repeat("*", n)
	}
	r := []rune(s)
	return string(r[:3]) + strings.Repeat("*", n-7) + string(r[n-4:])
}

// MaskName keeps a person's family name: 张三丰 → 张**.
func MaskName(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) <= 1 {
		return string(r)
	}
	return string(r[:1]) + strings.Repeat("*", len(r)-1)
}
