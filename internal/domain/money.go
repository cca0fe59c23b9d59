package domain

import (
	"strconv"
	"strings"
)

// Fen is an amount of money in fen (1 yuan = 100 fen). Integer arithmetic
// only: budgets, awards and tranches never pass through floating point.
type Fen int64

// MaxBudget bounds a single call's budget (one billion yuan): anything larger
// is a typing mistake, not a venture grant.
const MaxBudget Fen = 1_000_000_000_00

// ParseYuan reads an amount in yuan as people type it: "120000", "120,000",
// "120，000.5", "￥12万" is not accepted (say the number in full).
func ParseYuan(s string) (Fen, bool) {
	s = strings.TrimSpace(s)
	s = strings.TrimPrefix(s, "¥")
	s = strings.TrimPrefix(s, "￥")
	s = strings.NewReplacer(",", "", "，", "", " ", "").Replace(s)
	s = strings.TrimSuffix(s, "元")
	if s == "" || strings.HasPrefix(s, "-") || strings.HasPrefix(s, "+") {
		return 0, false
	}
	whole, frac, hasFrac := strings.Cut(s, ".")
	if whole == "" || (hasFrac && (len(frac) == 0 || len(frac) > 2)) {
		return 0, false
	}
	for _, part := range []string{whole, frac} {
		for _, r := range part {
			if r < '0' || r > '9' {
				return 0, false
			}
		}
	}
	if len(whole) > 12 {
		return 0, false
	}
	w, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	var f int64
	if hasFrac {
		if len(frac) == 1 {
			frac += "0"
		}
		f, _ = strconv.ParseInt(frac, 10, 64)
	}
	return Fen(w*100 + f), true
}

// Yuan formats an amount as yuan with thousands separators: 1234567 fen →
// "12,345.67".
func (f Fen) Yuan() string {
	neg := f < 0
	if neg {
		f = -f
	}
	whole := strconv.FormatInt(int64(f/100), 10)
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	for i, r := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	cents := int64(f % 100)
	b.WriteByte('.')
	b.WriteByte(byte('0' + cents/10))
	b.WriteByte(byte('0' + cents%10))
	return b.String()
}
