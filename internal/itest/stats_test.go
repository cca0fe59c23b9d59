package itest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

func TestQuarterStatistics(t *testing.T) {
	h := newHarness(t)
	var city struct {
		Scope     string
		Districts []store.DistrictStats
	}
	h.api("caizheng", "GET", "/api/v1/stats", nil, nil).json(t, &city)
	if len(city.Districts) != 16 || city.Scope != "天津市（全市）" {
		t.Fatalf("city roll-up: %s, %d districts", city.Scope, len(city.Districts))
	}
	var hexi store.DistrictStats
	for _, d := range city.Districts {
		if d.District == "河西区" {
			hexi = d
		}
	}
	// the demo seed: two needs this quarter, four people, one of them disabled
	if hexi.Needs != 2 || hexi.NeedsByCat[domain.NeedCaregiverTraining] != 1 || hexi.Elderly != 4 || hexi.ElderlyByCat[domain.ElderDisabled] != 1 {
		t.Fatalf("河西区 roll-up: %+v", hexi)
	}
	var district struct {
		Scope     string
		Districts []store.DistrictStats
	}
	h.api("hexi", "GET", "/api/v1/stats", nil, nil).json(t, &district)
	if len(district.Districts) != 1 || district.Districts[0].District != "河西区" {
		t.Fatalf("district staff see %s: %d districts", district.Scope, len(district.Districts))
	}
	pdf := h.api("minzheng", "GET", "/api/v1/stats.pdf", nil, nil)
	if text := pdfText(t, pdf.body); !strings.Contains(text, "季度汇总表") || !strings.Contains(text, "河西区") || !strings.Contains(text, "合计") {
		t.Fatalf("stats PDF text: %s", text)
	}
	x := h.api("minzheng", "GET", "/api/v1/stats.xlsx", nil, nil)
	f, err := excelize.OpenReader(bytes.NewReader(x.body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Sheet1")
	if len(rows) != 17 || rows[0][0] != "区" {
		t.Fatalf("stats workbook: %d rows", len(rows))
	}
	if r := h.api("minzheng", "GET", "/api/v1/stats?quarter=2026Q9", nil, nil); r.status != 422 {
		t.Fatalf("bad quarter: %d", r.status)
	}

	// the charts render in a real browser under the page's CSP
	ctx := browser(t)
	if err := chromedp.Do(ctx, chromedp.Navigate(h.url+"/login"), chromedp.WaitVisible("#username"),
		chromedp.SendKeys("#username", "minzheng"), chromedp.SendKeys("#password", "grantflow-demo"),
		chromedp.Click("main button[type=submit]"), chromedp.WaitVisible(".lifecycle"),
		chromedp.Navigate(h.url+"/stats"), chromedp.WaitVisible(`[data-chart="needs"] svg`)); err != nil {
		t.Fatalf("charts: %v", err)
	}
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll('[data-chart] svg').length`))
	if err != nil || n != 5 { // needs and register; the year's funds, training and grades
		t.Fatalf("charts rendered: %d %v", n, err)
	}
	screenshot(t, ctx, "09-stats")

}
