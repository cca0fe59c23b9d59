package activities

import (
	"context"
	"time"

	"grantflow/internal/domain"
)

// StreetRef names a street and its district.
type StreetRef struct {
	Code     string
	Name     string
	District string
	Level    domain.AreaLevel // street (quarterly, to the district) or district (half-yearly, to the city)
}

// ListStreets lists every street, for the quarterly reporting cycle.
func (a *Activities) ListStreets(ctx context.Context) ([]StreetRef, error) {
	places, err := a.Store.Streets(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]StreetRef, len(places))
	for i, p := range places {
		out[i] = StreetRef{Code: p.Street.Code, Name: p.Street.Name, District: p.District.Name, Level: domain.LevelStreet}
	}
	return out, nil
}

// ListDistricts lists every district, for the half-yearly reporting cycle.
func (a *Activities) ListDistricts(ctx context.Context) ([]StreetRef, error) {
	areas, err := a.Store.Areas(ctx)
	if err != nil {
		return nil, err
	}
	var out []StreetRef
	for _, ar := range areas {
		if ar.Level == domain.LevelDistrict {
			out = append(out, StreetRef{Code: ar.Code, Name: ar.Name, District: ar.Name, Level: domain.LevelDistrict})
		}
	}
	return out, nil
}

// ReportCycleInput names a street's cycle for a quarter.
type ReportCycleInput struct {
	Street   StreetRef
	Quarter  string
	Opens    time.Time
	Deadline time.Time
	Event    string // for MarkReportCycle: reminded or late
	By       domain.Actor
}

// OpenReportCycle records that the street's reporting window is open.
func (a *Activities) OpenReportCycle(ctx context.Context, in ReportCycleInput) error {
	return a.Store.OpenCycle(ctx, domain.Area{Code: in.Street.Code, Name: in.Street.Name, Level: domain.LevelStreet},
		in.Street.District, in.Quarter, in.Opens, in.Deadline)
}

// MarkReportCycle records a reminder or the deadline passing. (The reminder
// is shown on the street's and the district's pages; messages by SMS or
// e-mail come with a notification channel.)
func (a *Activities) MarkReportCycle(ctx context.Context, in ReportCycleInput) error {
	return nonRetryable(a.Store.MarkCycle(ctx, in.Street.Code, in.Quarter, in.Event))
}

// SubmitReportCycle rolls the street's needs up and reports them to the
// district.
func (a *Activities) SubmitReportCycle(ctx context.Context, in ReportCycleInput) (domain.RollUp, error) {
	if in.Street.Level == domain.LevelDistrict {
		r, err := a.Store.SubmitDistrictCycle(ctx, in.Street.Code, in.Street.District, in.Quarter, in.By)
		return r, nonRetryable(err)
	}
	r, err := a.Store.SubmitCycle(ctx, in.Street.Code, in.Quarter, in.By)
	return r, nonRetryable(err)
}
