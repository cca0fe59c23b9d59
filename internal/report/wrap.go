package report

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Wrap splits text into lines no wider than width, as measured by measure.
//
// Every gofpdf line (jung-kurt, go-pdf, codeberg) drops one CJK character at
// each automatic break in MultiCell/SplitText, so GrantFlow never lets fpdf
// wrap: it wraps here and writes each line itself. The rules:
//   - a "\n" ends a paragraph; every character of the input appears in the
//     output, in order; only the single space at a break between Latin words
//     is dropped (it would be invisible at a line end);
//   - CJK text breaks between any two characters; runs of Latin letters and
//     digits stay together unless a run alone is wider than a line;
//   - closing punctuation (，。、；：？！）》」 …) never starts a line: it hangs
//     into the margin, as Chinese typesetting allows (悬挂标点);
//   - opening punctuation (（《「“ …) never ends a line: it moves down with the
//     character it opens.
func Wrap(text string, width float64, measure func(string) float64) []string {
	var lines []string
	for _, para := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		lines = append(lines, wrapParagraph(para, width, measure)...)
	}
	return lines
}

func wrapParagraph(para string, width float64, measure func(string) float64) []string {
	if para == "" {
		return []string{""}
	}
	var lines []string
	var line strings.Builder
	lineWidth := 0.0
	flush := func() {
		lines = append(lines, strings.TrimRight(line.String(), " "))
		line.Reset()
		lineWidth = 0
	}
	for _, tok := range tokenize(para) {
		w := measure(tok)
		if lineWidth+w <= width || isClosingPunct(tok) && line.Len() > 0 {
			line.WriteString(tok) // fits, or closing punctuation hangs
			lineWidth += w
			continue
		}
		if tok == " " {
			flush() // the break swallows one space
			continue
		}
		if line.Len() > 0 {
			carry := trailingOpeners(line.String())
			kept := strings.TrimSuffix(line.String(), carry)
			line.Reset()
			line.WriteString(kept)
			flush()
			line.WriteString(carry)
			lineWidth = measure(carry)
		}
		if lineWidth+w <= width {
			line.WriteString(tok)
			lineWidth += w
			continue
		}
		// a single token wider than a line: split it by characters
		for _, r := range tok {
			s := string(r)
			rw := measure(s)
			if lineWidth+rw > width && line.Len() > 0 {
				flush()
			}
			line.WriteString(s)
			lineWidth += rw
		}
	}
	if line.Len() > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

// tokenize cuts a paragraph into unbreakable pieces: one CJK character or
// punctuation mark, one space, or one run of other non-space characters.
func tokenize(s string) []string {
	var out []string
	start := -1
	for i, r := range s {
		breakable := r == ' ' || isWide(r)
		if breakable {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			out = append(out, string(r))
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// trailingOpeners returns the opening punctuation that ends line, keeping at
// least one character on the line.
func trailingOpeners(line string) string {
	cur := line
	for {
		r, size := utf8.DecodeLastRuneInString(cur)
		if size == 0 || size == len(cur) || !isOpeningPunct(string(r)) {
			return line[len(cur):]
		}
		cur = cur[:len(cur)-size]
	}
}

func isWide(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) || unicode.Is(unicode.Katakana, r) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF) || (r >= 0x2010 && r <= 0x201F) ||
		r == '…' || r == '—' || r == '·'
}

const closingPunct = "，。、；：？！）》」』】〕”’…—,.;:?!)％%"
const openingPunct = "（《「『【〔“‘("

func isClosingPunct(tok string) bool {
	return utf8.RuneCountInString(tok) == 1 && strings.Contains(closingPunct, tok)
}

func isOpeningPunct(tok string) bool {
	return utf8.RuneCountInString(tok) == 1 && strings.Contains(openingPunct, tok)
}
