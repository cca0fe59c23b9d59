package report

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode"

	"golang.org/x/image/font/sfnt"
)

// Missing is drawn for a character the embedded fonts lack: 〓 (U+3013,
// the geta mark), the mark Chinese and Japanese typesetting has long used
// for a character the type case does not hold. fpdf's UTF-8 fonts cover
// the Basic Multilingual Plane only (a character beyond it, such as CJK
// Extension B in real names and places, used to panic inside fpdf on every
// attempt), and Noto Sans SC does not hold every character of it either.
const Missing = '〓'

// drawable says whether both embedded fonts (regular and bold) hold a
// glyph for r; computed once per process, for the whole BMP.
var drawable = sync.OnceValue(func() func(rune) bool {
	var bits [0x10000 / 64]uint64
	fonts := make([]*sfnt.Font, 0, 2)
	for _, b := range [][]byte{fontRegular, fontBold} {
		f, err := sfnt.Parse(b)
		if err != nil {
			panic(fmt.Sprintf("report: embedded font: %v", err)) // a build defect, caught by every test
		}
		fonts = append(fonts, f)
	}
	var buf sfnt.Buffer
	for r := rune(0x20); r < 0x10000; r++ {
		ok := true
		for _, f := range fonts {
			if g, err := f.GlyphIndex(&buf, r); err != nil || g == 0 {
				ok = false
				break
			}
		}
		if ok {
			bits[r/64] |= 1 << (r % 64)
		}
	}
	return func(r rune) bool { return r >= 0 && r < 0x10000 && bits[r/64]&(1<<(r%64)) != 0 }
})

// Drawable reports whether the PDF documents can draw r as it is.
func Drawable(r rune) bool {
	return r == ' ' || r == '\u3000' || drawable()(r)
}

// Undrawable lists the characters of texts that the PDF documents draw as
// Missing, each once, in the order they first appear. Line breaks and tabs
// are not listed (they are layout, not characters to draw).
func Undrawable(texts ...string) []rune {
	var out []rune
	for _, t := range texts {
		for _, r := range t {
			if !layout(r) && !Drawable(r) && !contains(out, r) {
				out = append(out, r)
			}
		}
	}
	return out
}

// DescribeUndrawable names characters for people: "𠀀（U+20000）、…".
func DescribeUndrawable(rs []rune) string {
	parts := make([]string, len(rs))
	for i, r := range rs {
		parts[i] = fmt.Sprintf("%c（U+%04X）", r, r)
	}
	return strings.Join(parts, "、")
}

func layout(r rune) bool { return r == '\n' || r == '\r' || r == '\t' }

func contains(rs []rune, r rune) bool {
	for _, x := range rs {
		if x == r {
			return true
		}
	}
	return false
}

// fit is s as the fonts can draw it: each character they lack becomes
// Missing (recorded in missing), control characters and tabs a space.
func fit(s string, missing *[]rune) string {
	clean := true
	for _, r := range s {
		if !Drawable(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case Drawable(r):
			b.WriteRune(r)
		case layout(r) || unicode.IsControl(r):
			b.WriteByte(' ')
		default:
			b.WriteRune(Missing)
			if missing != nil && !contains(*missing, r) {
				*missing = append(*missing, r)
			}
		}
	}
	return b.String()
}

// ErrRender is a document that could not be rendered: the same input fails
// the same way, so retrying does not help (the caller says so plainly).
var ErrRender = errors.New("PDF 文件无法生成")

// recovered turns a panic inside fpdf into ErrRender.
func recovered(err *error) {
	if p := recover(); p != nil {
		*err = fmt.Errorf("%w：%v", ErrRender, p)
	}
}
