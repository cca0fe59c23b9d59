package service

import (
	"bytes"
	"context"
	"time"

	"github.com/xuri/excelize/v2"

	"grantflow/internal/auth"
	"grantflow/internal/domain"
	"grantflow/internal/report"
	"grantflow/internal/store"
)

// Stats is the application service of the quarterly roll-ups.
type Stats struct {
	Store *store.Store
}

// Quarter rolls the quarter up by district, within the person's scope, and
// says what the scope is.
func (s *Stats) Quarter(ctx context.Context, by domain.Actor, q domain.Quarter) ([]store.DistrictStats, string, error) {
	u := by.User()
	if err := auth.Authorize(u, auth.ActionViewStats, ""); err != nil {
		return nil, "", err
	}
	district, scopeName := "", "天津市（全市）"
	if u.Has(domain.RoleCivilAffairs) && u.District != domain.CityLevel && !u.Has(domain.RoleFinance) && !u.Has(domain.RoleAdmin) {
		district, scopeName = u.District, "天津市"+u.District
	}
	rows, err := s.Store.QuarterStats(ctx, q, district)
	return rows, scopeName, err
}

// Programme totals the year's funded projects by district and brand within
// the person's scope.
func (s *Stats) Programme(ctx context.Context, by domain.Actor, year int) ([]store.ProgrammeRow, error) {
	u := by.User()
	if err := auth.Authorize(u, auth.ActionViewStats, ""); err != nil {
		return nil, err
	}
	district := ""
	if u.Has(domain.RoleCivilAffairs) && u.District != domain.CityLevel && !u.Has(domain.RoleFinance) && !u.Has(domain.RoleAdmin) {
		district = u.District
	}
	return s.Store.ProgrammeStats(ctx, year, district)
}

func toReportRows(rows []store.DistrictStats) []report.StatsRow {
	out := make([]report.StatsRow, len(rows))
	for i, r := range rows {
		out[i] = report.StatsRow{District: r.District, Needs: r.Needs, UrgentNeeds: r.UrgentNeeds, Elderly: r.Elderly,
			Disabled:   r.ElderlyByCat[domain.ElderDisabled] + r.ElderlyByCat[domain.ElderSeverelyDisabled],
			Volunteers: r.Volunteers, Pairs: r.Pairs, Hours: r.Hours}
	}
	return out
}

// PDF renders the roll-up as a PDF.
func (s *Stats) PDF(ctx context.Context, by domain.Actor, q domain.Quarter) (Document, error) {
	rows, scope, err := s.Quarter(ctx, by, q)
	if err != nil {
		return Document{}, err
	}
	pdf, err := report.RenderQuarterStats(q, scope, toReportRows(rows), time.Now().In(domain.ChinaTime))
	if err != nil {
		return Document{}, err
	}
	return Document{FileName: q.String() + "季度汇总.pdf", ContentType: "application/pdf", Data: pdf}, nil
}

// Excel writes the roll-up as .xlsx, one column per category.
func (s *Stats) Excel(ctx context.Context, by domain.Actor, q domain.Quarter) (Document, error) {
	rows, _, err := s.Quarter(ctx, by, q)
	if err != nil {
		return Document{}, err
	}
	f := excelize.NewFile()
	defer f.Close()
	head := []any{"区", "需求", "紧急需求"}
	for _, c := range domain.NeedCategories {
		head = append(head, "需求："+c.Label())
	}
	head = append(head, "名册老人")
	for _, c := range domain.ElderCategories {
		head = append(head, "名册："+c.Label())
	}
	head = append(head, "志愿者", "结对", "服务时长（小时）", "逾期未报街道", "已报送街道")
	_ = f.SetSheetRow("Sheet1", "A1", &head)
	for i, r := range rows {
		row := []any{r.District, r.Needs, r.UrgentNeeds}
		for _, c := range domain.NeedCategories {
			row = append(row, r.NeedsByCat[c])
		}
		row = append(row, r.Elderly)
		for _, c := range domain.ElderCategories {
			row = append(row, r.ElderlyByCat[c])
		}
		row = append(row, r.Volunteers, r.Pairs, r.Hours, r.ReportsLate, r.ReportsSubmitted)
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = f.SetSheetRow("Sheet1", cell, &row)
	}
	// The year's funded projects on a second sheet.
	prog, err := s.Programme(ctx, by, q.Year)
	if err != nil {
		return Document{}, err
	}
	const sheet = "项目资金与成效"
	if _, err := f.NewSheet(sheet); err != nil {
		return Document{}, err
	}
	ph := []any{"区", "品牌", "立项项目", "资助金额（元）", "已拨付（元）", "培训学员", "学员学时", "结项：优", "良", "中", "差"}
	_ = f.SetSheetRow(sheet, "A1", &ph)
	for i, r := range prog {
		row := []any{r.District, r.Brand.Label(), r.Projects, float64(r.Awarded) / 100, float64(r.Paid) / 100, r.Trainees, r.Hours,
			r.Grades[domain.GradeExcellent], r.Grades[domain.GradeGood], r.Grades[domain.GradeFair], r.Grades[domain.GradePoor]}
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = f.SetSheetRow(sheet, cell, &row)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return Document{}, err
	}
	return Document{FileName: q.String() + "季度汇总.xlsx", ContentType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", Data: buf.Bytes()}, nil
}
