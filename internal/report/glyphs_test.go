package report

import (
	"errors"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"grantflow/internal/domain"
)

// writers renders every PDF writer of the package with text in its names
// and titles.
func writers() map[string]func(text string) ([]byte, error) {
	at := time.Date(2026, 12, 1, 10, 0, 0, 0, domain.ChinaTime)
	terms := domain.ContractTerms{Deliverables: domain.Deliverables{Trainees: 300, HoursPerTrainee: 16, Sessions: 12, Modules: domain.DefaultModules},
		StartsOn: at, TermMonths: 12}
	return map[string]func(string) ([]byte, error){
		"call notice": func(s string) ([]byte, error) {
			n := sampleNotice()
			n.Title, n.Eligibility, n.Attachments = s, s, []string{s}
			return RenderCallNotice(n)
		},
		"opening record": func(s string) ([]byte, error) {
			return RenderOpeningRecord(OpeningRecord{Number: "ZJ2026-000001", Title: s, Issuer: s, Deadline: at, OpenedAt: at,
				Bids: []OpenedBid{{OrgName: s, Price: 100_00}}})
		},
		"scoring report": func(s string) ([]byte, error) {
			return RenderScoringReport(ScoringReport{Number: "ZJ2026-000001", Title: s, Issuer: s, Criteria: domain.DefaultRubric(),
				Results: []domain.BidResult{{ScoredBid: domain.ScoredBid{OrgName: s, Price: 100_00}, Rank: 1, Result: 88.5}}, Issued: at})
		},
		"award notice": func(s string) ([]byte, error) {
			return RenderAwardNotice(AwardNotice{Number: "ZJ2026-000001", Title: s, Issuer: s, OrgName: s, Amount: 100_00, Rank: 1,
				Tranches: domain.DefaultTranches(), Issued: at})
		},
		"contract": func(s string) ([]byte, error) {
			return RenderContract(Contract{Number: "HT2026-000001", Title: s, District: s, Issuer: s, OrgName: s, Amount: 100_00,
				Tranches: domain.DefaultTranches(), Terms: terms, Revision: 1, Issued: at})
		},
		"certificate": func(s string) ([]byte, error) {
			return RenderCertificate(Certificate{Number: "JY2026-0001", Name: s, Project: s, OrgName: s, Issuer: s, Hours: 16,
				Modules: []string{s}, Issued: at})
		},
		"final report": func(s string) ([]byte, error) {
			return RenderFinalReport(FinalReport{Number: "HT2026-000001", Title: s, OrgName: s, Issuer: s, District: s, Amount: 100_00,
				Terms: terms, SignedAt: at, KPIs: []KPI{{Name: s, Contracted: 1, Delivered: 1, Unit: s}}, Modules: []ModuleHours{{Module: s}}})
		},
		"hours statement": func(s string) ([]byte, error) {
			return RenderHoursStatement(HoursStatement{Volunteer: s, Community: s, District: s, Issued: at,
				Visits: []domain.Visit{{VisitEntry: domain.VisitEntry{VisitedAt: at, Minutes: 60, Note: s}, ElderName: s}}})
		},
		"quarter stats": func(s string) ([]byte, error) {
			return RenderQuarterStats(domain.Quarter{Year: 2026, Q: 4}, s, []StatsRow{{District: s, Needs: 1}}, at)
		},
	}
}

// A character outside the fonts — CJK Extension B in a real name or
// place (𠀀 U+20000, 𪚥 U+2A6A5), an emoji, a private-use or unassigned
// code point, a control character — used to panic inside fpdf on every
// attempt (the call's notice never appeared, the activity retried
// forever). Every writer now draws 〓 for it and names it by code point in
// a note at the end, and keeps every other character.
func TestEveryWriterDrawsCharactersTheFontsLack(t *testing.T) {
	text := "张𠀀华（𪚥村）😀\uE000\u0378\x00\t结束"
	for name, render := range writers() {
		t.Run(name, func(t *testing.T) {
			pdf, err := render(text)
			if err != nil {
				t.Fatalf("render: %v", err)
			}
			got := stripSpace(pdfText(t, pdf))
			for _, want := range []string{"张〓华（〓村）", "结束", "U+20000", "U+2A6A5", "U+1F600", "U+E000", "U+0378", "文中以“〓”代替"} {
				if !strings.Contains(got, want) {
					t.Errorf("the PDF text lacks %q:\n%.600s", want, got)
				}
			}
		})
	}
}

func TestUndrawableNamesTheCharacters(t *testing.T) {
	if !Drawable('〓') || !Drawable('张') || !Drawable('。') || !Drawable('A') || !Drawable('\u3000') {
		t.Fatal("a character the fonts hold counts as undrawable")
	}
	got := Undrawable("张𠀀华", "𠀀😀\n")
	if len(got) != 2 || got[0] != 0x20000 || got[1] != 0x1F600 {
		t.Fatalf("Undrawable = %U", got)
	}
	if d := DescribeUndrawable(got); d != "𠀀（U+20000）、😀（U+1F600）" {
		t.Errorf("DescribeUndrawable = %q", d)
	}
}

// FuzzWritersWithAnyText: no text makes a writer fail or panic, and what
// the fonts hold comes out as it went in.
func FuzzWritersWithAnyText(f *testing.F) {
	for _, s := range []string{"", "张𠀀华", "😀", "\x00\xff\xfe", "（《“", strings.Repeat("长", 400), "\u202e\u200d\ufeff"} {
		f.Add(s)
	}
	ws := writers()
	names := slices.Sorted(maps.Keys(ws))
	f.Fuzz(func(t *testing.T, s string) {
		if len(s) > 2000 {
			return
		}
		if !utf8.ValidString(s) {
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		// one writer per input (each takes tens of milliseconds), all of
		// them over the corpus
		for _, name := range []string{names[len(s)%len(names)]} {
			render := ws[name]
			pdf, err := render(s)
			if err != nil {
				if errors.Is(err, ErrRender) {
					t.Fatalf("%s failed for %q: %v", name, s, err)
				}
				t.Fatalf("%s: %v", name, err)
			}
			if len(pdf) < 100 {
				t.Fatalf("%s: %d bytes", name, len(pdf))
			}
		}
	})
}
