package workflows

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"grantflow/activities"
	"grantflow/internal/domain"
)

var (
	hexiDistrict = activities.StreetRef{Code: "120103", Name: "河西区", District: "河西区", Level: domain.LevelDistrict}
	youyiStreet  = activities.StreetRef{Code: "120103014", Name: "友谊路街道", District: "河西区"}
	streetStaff  = Actor{UserID: 21, Name: "孙丽", Roles: []domain.Role{domain.RoleReporter}, District: "河西区", AreaCode: "120103014"}
	otherStreet  = Actor{UserID: 22, Name: "别的街道", Roles: []domain.Role{domain.RoleReporter}, District: "河西区", AreaCode: "120103015"}
)

type reportFixture struct {
	fixture
	events []string // what the activities were asked to do, with the test clock
}

// newReportFixture mocks the cycle's activities; openTakes is how long
// recording the window's opening takes (none when omitted).
func newReportFixture(t *testing.T, start time.Time, openTakes ...time.Duration) *reportFixture {
	f := &reportFixture{}
	f.env = f.NewTestWorkflowEnvironment()
	f.env.SetStartTime(start)
	f.env.RegisterActivity(act)
	note := func(what string) {
		f.events = append(f.events, f.env.Now().In(domain.ChinaTime).Format("01-02")+" "+what)
	}
	open := f.env.OnActivity(act.OpenReportCycle, mock.Anything, mock.Anything).Return(func(context.Context, activities.ReportCycleInput) error {
		note("open")
		return nil
	})
	if len(openTakes) > 0 {
		open.After(openTakes[0])
	}
	f.env.OnActivity(act.MarkReportCycle, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ReportCycleInput) error {
		note(in.Event)
		return nil
	})
	f.env.OnActivity(act.SubmitReportCycle, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ReportCycleInput) (domain.RollUp, error) {
		note("submit by " + in.By.Name)
		return domain.RollUp{Needs: 3, Urgent: 1}, nil
	})
	return f
}

func reportInput() StreetReportInput {
	opens, deadline := domain.Quarter{Year: 2026, Q: 4}.ReportWindow()
	return StreetReportInput{Street: youyiStreet, Quarter: "2026Q4", Opens: opens, Deadline: deadline}
}

// A quarter end to end with skipped time: the window opens, the street is
// reminded, misses the deadline, is marked late, submits late, and its
// roll-up goes to the district.
func TestStreetReportLateThenSubmitted(t *testing.T) {
	start := domain.Quarter{Year: 2026, Q: 4}.Start()
	f := newReportFixture(t, start)
	in := reportInput()
	early := f.update(in.Opens.Sub(start)-time.Hour, UpdateSubmitReport, SubmitReportRequest{Actor: streetStaff})
	wrong := f.update(in.Opens.Sub(start)+time.Hour, UpdateSubmitReport, SubmitReportRequest{Actor: otherStreet})
	late := f.update(in.Deadline.Sub(start)+48*time.Hour, UpdateSubmitReport, SubmitReportRequest{Actor: streetStaff})
	again := f.update(in.Deadline.Sub(start)+72*time.Hour, UpdateSubmitReport, SubmitReportRequest{Actor: streetStaff})
	f.env.ExecuteWorkflow(StreetReportWorkflow, in)

	if !f.env.IsWorkflowCompleted() || f.env.GetWorkflowError() != nil {
		t.Fatalf("workflow: completed=%v err=%v", f.env.IsWorkflowCompleted(), f.env.GetWorkflowError())
	}
	want := []string{"12-18 open", "01-07 reminded", "01-10 late", "01-12 submit by 孙丽"}
	if len(f.events) != len(want) {
		t.Fatalf("events %v, want %v", f.events, want)
	}
	for i := range want {
		if f.events[i] != want[i] {
			t.Fatalf("events %v, want %v", f.events, want)
		}
	}
	for name, o := range map[string]*outcome{"before the window": early, "another street": wrong} {
		if o.rejected == nil {
			t.Errorf("%s: submission accepted", name)
		}
	}
	if domain.ErrorCode(DomainError(wrong.rejected)) != domain.CodeForbidden {
		t.Errorf("another street: %v", wrong.rejected)
	}
	if late.rejected != nil || late.err != nil || late.result.(domain.RollUp).Needs != 3 {
		t.Fatalf("late submission: %+v", late)
	}
	// after the report is in, the workflow has ended: a second submission is not delivered
	if again.done && again.rejected == nil && again.err == nil {
		t.Fatal("a second submission was accepted")
	}
}

// A report sent once the window's time has come, while its opening is
// still being recorded, waits for the opening and is taken (before, it was
// refused as "not open yet, opens <a date already past>").
func TestStreetReportSentAsTheWindowOpens(t *testing.T) {
	start := domain.Quarter{Year: 2026, Q: 4}.Start()
	f := newReportFixture(t, start, 10*time.Minute)
	in := reportInput()
	sent := f.update(in.Opens.Sub(start)+time.Minute, UpdateSubmitReport, SubmitReportRequest{Actor: streetStaff})
	f.env.ExecuteWorkflow(StreetReportWorkflow, in)
	if f.env.GetWorkflowError() != nil {
		t.Fatal(f.env.GetWorkflowError())
	}
	if sent.rejected != nil || sent.err != nil {
		t.Fatalf("a report sent as the window opened: %+v", sent)
	}
	if len(f.events) != 2 || f.events[0] != "12-18 open" || f.events[1] != "12-18 submit by 孙丽" {
		t.Fatalf("events %v: the report is submitted after the opening", f.events)
	}
}

func TestStreetReportOnTime(t *testing.T) {
	start := domain.Quarter{Year: 2026, Q: 4}.Start()
	f := newReportFixture(t, start)
	in := reportInput()
	f.update(in.Opens.Sub(start)+24*time.Hour, UpdateSubmitReport, SubmitReportRequest{Actor: streetStaff})
	f.env.ExecuteWorkflow(StreetReportWorkflow, in)
	if f.env.GetWorkflowError() != nil {
		t.Fatal(f.env.GetWorkflowError())
	}
	if len(f.events) != 2 || f.events[0] != "12-18 open" || f.events[1] != "12-19 submit by 孙丽" {
		t.Fatalf("events %v: an on-time report is neither reminded nor late", f.events)
	}
}

func TestQuarterlyNeedsStartsOneReportPerStreet(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(time.Date(2026, 10, 1, 0, 0, 5, 0, domain.ChinaTime))
	env.RegisterActivity(act)
	env.RegisterWorkflow(StreetReportWorkflow)
	env.OnActivity(act.ListStreets, mock.Anything).Return([]activities.StreetRef{youyiStreet, {Code: "120104001", Name: "长虹街道", District: "南开区"}}, nil)
	env.OnActivity(act.ListDistricts, mock.Anything).Return([]activities.StreetRef{hexiDistrict}, nil)
	var started []StreetReportInput
	env.OnWorkflow(StreetReportWorkflow, mock.Anything, mock.Anything).Return(func(_ workflow.Context, in StreetReportInput) error {
		started = append(started, in)
		return nil
	})
	env.ExecuteWorkflow(QuarterlyNeedsWorkflow, QuarterlyNeedsInput{})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	// children run concurrently: compare as a set
	got := map[string]string{}
	for _, in := range started {
		got[in.Street.Code] = in.Quarter + " " + in.Street.District + " " + in.Deadline.Format("2006-01-02")
	}
	// Q4 ends a half year: the districts report to the city too
	if len(started) != 3 || got["120103014"] != "2026Q4 河西区 2027-01-10" || got["120104001"] != "2026Q4 南开区 2027-01-10" ||
		got["120103"] != "2026H2 河西区 2027-01-20" {
		t.Fatalf("started %+v", started)
	}
}

// A district's half-year report is submitted by its civil affairs, not by
// a street's reporter or another district.
func TestDistrictHalfYearReport(t *testing.T) {
	q := domain.Quarter{Year: 2026, Q: 4}
	start := q.Start()
	f := newReportFixture(t, start)
	opens, deadline := domain.HalfWindow(q)
	in := StreetReportInput{Street: hexiDistrict, Quarter: "2026H2", Opens: opens, Deadline: deadline}
	hexiStaff := Actor{UserID: 3, Name: "李静", Roles: []domain.Role{domain.RoleCivilAffairs}, District: "河西区"}
	nankaiStaff := Actor{UserID: 4, Name: "南开", Roles: []domain.Role{domain.RoleCivilAffairs}, District: "南开区"}
	reporter := f.update(opens.Sub(start)+time.Hour, UpdateSubmitReport, SubmitReportRequest{Actor: streetStaff})
	other := f.update(opens.Sub(start)+2*time.Hour, UpdateSubmitReport, SubmitReportRequest{Actor: nankaiStaff})
	ok := f.update(opens.Sub(start)+3*time.Hour, UpdateSubmitReport, SubmitReportRequest{Actor: hexiStaff})
	f.env.ExecuteWorkflow(StreetReportWorkflow, in)
	if f.env.GetWorkflowError() != nil {
		t.Fatal(f.env.GetWorkflowError())
	}
	for name, o := range map[string]*outcome{"a street reporter": reporter, "another district": other} {
		if domain.ErrorCode(DomainError(o.rejected)) != domain.CodeForbidden {
			t.Errorf("%s: %+v", name, o)
		}
	}
	if ok.rejected != nil || ok.err != nil {
		t.Fatalf("district staff: %+v", ok)
	}
	if len(f.events) != 2 || f.events[1] != "12-18 submit by 李静" {
		t.Fatalf("events %v", f.events)
	}
}
