package chaos

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"grantflow/internal/domain"
)

// idNumber is a valid 身份证号, different for every (lifecycle, k).
func idNumber(n, k int) string {
	seq := 2*n + k
	prefix := fmt.Sprintf("110105%04d0101%03d", 1940+(seq/1000)%60, seq%1000)
	c, _ := domain.IDCardCheckChar(prefix)
	return prefix + string(c)
}

// training records the project's training: a past session and a running
// one, two trainees, one marked present, one imported from a sheet, and a
// phone check-in and check-out. These requests carry no idempotency key: an
// unclear outcome is learnt by reading back, as a person would look.
func (l *lifecycle) training(ctx context.Context, base string) error {
	now := time.Now().Truncate(time.Minute)
	past, err := l.sessionAt(ctx, base, "压疮预防", fmt.Sprintf("平江里社区活动室 %d-1", l.n), now.Add(-3*time.Hour), now.Add(-time.Hour))
	if err != nil {
		return err
	}
	var ids []int64
	for k, name := range []string{"李秀英", "王桂兰"} {
		id, err := l.enrol(ctx, base, k, name)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	l.step = "mark present"
	if _, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: fmt.Sprintf("%s/sessions/%d/attendance", base, past.ID),
		json: map[string]any{"trainee_ids": ids[:1]}}, nil, http.StatusOK); err != nil {
		return err
	}
	// the first trainee has the contract's 2 hours: a certificate, issued by
	// a double click (two requests at once) — both get the same one
	if err := l.certificate(ctx, base, ids[0]); err != nil {
		return err
	}
	at := func(d time.Duration) string { return now.Add(d).In(domain.ChinaTime).Format("2006-01-02 15:04") }
	csv := "场次编号,学员编号,签到时间,签退时间\n" + fmt.Sprintf("%d,%d,%s,%s\n", past.ID, ids[1], at(-3*time.Hour+40*time.Minute), at(-time.Hour))
	l.step = "import attendance"
	if _, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: base + "/attendance/import",
		file: &formFile{"file", "签到表.csv", []byte(csv)}}, nil, http.StatusOK); err != nil {
		return err
	}
	running, err := l.sessionAt(ctx, base, "转移搬运", fmt.Sprintf("平江里社区活动室 %d-2", l.n), now.Add(-30*time.Minute), now.Add(90*time.Minute))
	if err != nil {
		return err
	}
	// check in, then out; a third is refused (409): after a lost answer the
	// person tries again and the record shows both
	for _, what := range []string{"in", "out"} {
		l.step = "check " + what
		if _, err := l.c.must(ctx, l.step, req{method: "POST", path: "/api/v1/checkin", json: map[string]any{"code": running.Code,
			"trainee_id": ids[0], "name": "李秀英"}}, nil, http.StatusOK, http.StatusConflict); err != nil {
			return err
		}
	}
	return nil
}

// sessionAt plans a session at place, unless one there is planned already
// (a retry after a lost answer), and returns it.
func (l *lifecycle) sessionAt(ctx context.Context, base, module, place string, from, to time.Time) (domain.TrainingSession, error) {
	l.step = "plan the session at " + place
	find := func() (domain.TrainingSession, bool, error) {
		var list struct{ Items []domain.TrainingSession }
		if err := l.c.get(ctx, "zuzhi", base+"/sessions", &list); err != nil {
			return domain.TrainingSession{}, false, err
		}
		for _, s := range list.Items {
			if s.Place == place {
				return s, true, nil
			}
		}
		return domain.TrainingSession{}, false, nil
	}
	if s, ok, err := find(); err != nil || ok {
		return s, err
	}
	_, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: base + "/sessions", json: map[string]any{"module": module,
		"starts_at": from, "ends_at": to, "place": place, "trainer": "韩雪", "hours": 2}}, nil, http.StatusCreated)
	if err != nil {
		return domain.TrainingSession{}, err
	}
	s, ok, err := find()
	if err == nil && !ok {
		err = fmt.Errorf("the session at %s was not found after it was planned", place)
	}
	return s, err
}

// enrol enrols trainee k of the lifecycle and returns the trainee's ID; a
// retry after a lost answer, refused as a duplicate, finds it on the roster.
func (l *lifecycle) enrol(ctx context.Context, base string, k int, name string) (int64, error) {
	l.step = "enrol " + name
	a, err := l.c.must(ctx, l.step, req{user: "zuzhi", method: "POST", path: base + "/trainees", json: map[string]any{
		"name": name, "id_number": idNumber(l.n, k), "relation": "配偶", "community": "平江里社区", "consent": true}}, nil,
		http.StatusCreated, http.StatusUnprocessableEntity)
	if err != nil {
		return 0, err
	}
	var x struct{ ID int64 }
	if a.status != http.StatusUnprocessableEntity {
		err := a.decode(&x)
		return x.ID, err
	}
	// a retry after a lost answer: the roster names the one enrolled
	if !strings.Contains(string(a.body), "编号") {
		return 0, fmt.Errorf("enrol %s: %s", name, a.body)
	}
	var roster struct{ Items []domain.Trainee }
	if err := l.c.get(ctx, "zuzhi", base+"/trainees", &roster); err != nil {
		return 0, err
	}
	for _, t := range roster.Items {
		if t.Name == name {
			x.ID = t.ID
		}
	}
	if x.ID == 0 {
		return 0, fmt.Errorf("enrol %s: refused as a duplicate but not on the roster: %s", name, a.body)
	}
	return x.ID, nil
}

// certificate issues a trainee's certificate with two requests at once (a
// double click). Both must get the same certificate; one refused as a
// duplicate submission (a known race, issue 14's certificate numbering) is
// counted, and the person clicks again.
func (l *lifecycle) certificate(ctx context.Context, base string, trainee int64) error {
	l.step = "issue a certificate"
	path := fmt.Sprintf("%s/trainees/%d/certificate", base, trainee)
	var got [2]answer
	var errs [2]error
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			got[i], errs[i] = l.c.do(ctx, req{user: "zuzhi", method: "POST", path: path})
		}(i)
	}
	wg.Wait()
	for i := range got {
		if errs[i] != nil {
			return errs[i]
		}
		if got[i].status == http.StatusConflict {
			l.c.known.Add(1)
			a, err := l.c.must(ctx, l.step+" (clicked again)", req{user: "zuzhi", method: "POST", path: path}, nil, http.StatusOK)
			if err != nil {
				return err
			}
			got[i] = a
		}
		if got[i].status != http.StatusOK {
			return fmt.Errorf("certificate: %d %.300s", got[i].status, got[i].body)
		}
	}
	if !bytes.Equal(got[0].body, got[1].body) {
		return fmt.Errorf("two certificates for one trainee (%d and %d bytes differ)", len(got[0].body), len(got[1].body))
	}
	return nil
}
