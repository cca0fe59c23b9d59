package itest

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/client"

	"grantflow/internal/config"
	"grantflow/internal/domain"
	"grantflow/internal/service"
	"grantflow/workflows"
)

// abuseHistoryBound is what a call's current run may hold after the flood:
// the run continues as new at workflows.DefaultHistoryLimit events, plus
// what the updates in flight add while it drains.
const abuseHistoryBound = workflows.DefaultHistoryLimit + 1000

// pool runs n jobs on workers goroutines.
func pool(n, workers int, job func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				job(i)
			}
		}()
	}
	wg.Wait()
}

// TestAbuseObjectionsAndUpdates floods one call: thousands of accepted
// updates while bidding (clarifications, the cheapest), then 1,000 objections
// and refused updates under publicity, 10,000 updates in all. The call's
// workflow stays alive, its run's history stays bounded (it continued as
// new), and the award is held only by the objections the law admits: one
// from each supplier that bid; the public's opinions go to the bounded
// public-comment channel and hold nothing.
func TestAbuseObjectionsAndUpdates(t *testing.T) {
	h := newHarnessWith(t, func(c *config.Config) { c.CompetitionMinBiddingDays, c.CompetitionPublicityDays = 0, 0 })
	ctx := context.Background()
	experts := addExperts(t, h, usccWith("91120000MA0000001"))
	verifyBidders(t, h)
	const bidding = 60 * time.Second
	deadline := time.Now().Add(bidding).Truncate(time.Second)
	callID := biddingCall(t, h, "河西区失能老年人家庭照护者培训（压力测试）", 5, deadline)
	wfID := workflows.CallWorkflowID(callID)
	describe := func() (events, bytes int64, run, first string) {
		t.Helper()
		d, err := h.app.Temporal.DescribeWorkflowExecution(ctx, wfID, "")
		if err != nil {
			t.Fatalf("describe: %v", err)
		}
		info := d.GetWorkflowExecutionInfo()
		return info.GetHistoryLength(), info.GetHistorySizeBytes(), info.GetExecution().GetRunId(), info.GetFirstRunId()
	}

	// Accepted updates while bidding: clarifications, until shortly before
	// the deadline (as many as the machine sends; at least enough for the
	// call to continue as new several times).
	hexi := h.actor("hexi")
	var sent, clarified atomic.Int64
	stop := deadline.Add(-8 * time.Second)
	start := time.Now()
	pool(8000, 8, func(i int) {
		if time.Now().After(stop) {
			return
		}
		sent.Add(1)
		err := h.app.Calls.Clarify(ctx, hexi, callID, uuid.NewString(), fmt.Sprintf("补充说明第 %d 号", i),
			"培训场地由各社区提供，投标人无需自备，请在方案中写明场地需求。", false)
		if err != nil {
			t.Errorf("clarification %d: %v", i, err)
			return
		}
		clarified.Add(1)
	})
	events, size, run, first := describe()
	t.Logf("%d clarifications in %v; history %d events, %d bytes", clarified.Load(), time.Since(start).Round(time.Second), events, size)
	if clarified.Load() < 600 {
		t.Fatalf("only %d clarifications were accepted", clarified.Load())
	}
	if run == first {
		t.Fatalf("the call never continued as new after %d accepted updates (history %d events)", clarified.Load(), events)
	}
	if events > abuseHistoryBound {
		t.Fatalf("the run's history holds %d events after continuing as new, want at most %d", events, abuseHistoryBound)
	}

	// The deadline carried over every run: the bids open then, and the
	// call goes on to publicity.
	eventuallyWithin(t, 60*time.Second, "the opening", func() bool { return h.bidCall("hexi", callID).Stage == "qualification" })
	if got := h.bidCall("hexi", callID); !got.BidDeadline.Equal(deadline) {
		t.Fatalf("the deadline moved to %v (was %v)", got.BidDeadline, deadline)
	}
	approveAfterOpening(t, h, callID, experts)
	eventually(t, "publicity", func() bool { return h.getCall("hexi", callID).Stage == "publicity" })

	// One address may comment three times an hour on a call.
	for i := range domain.PublicCommentsPerAddressHour + 1 {
		in := domain.ObjectionInput{Name: "王五", Contact: "wangwu@example.com", Reason: "公示的培训人数与需求库记录不一致，请说明。"}
		_, err := h.app.Calls.Object(ctx, domain.Actor{IP: "203.0.113.7"}, callID, uuid.NewString(), in, "", nil, "203.0.113.7")
		if i < domain.PublicCommentsPerAddressHour && err != nil || i == domain.PublicCommentsPerAddressHour && domain.ErrorCode(err) != domain.CodeTooMany {
			t.Fatalf("comment %d from one address: %v", i+1, err)
		}
	}
	early := domain.PublicCommentsPerAddressHour

	// 1,000 objections: each bidder tries three (with an attachment), the
	// public the rest from 50 addresses.
	bidders := []string{"zuzhi", "org2", "org3"}
	var challenges, comments, tooMany, conflicts atomic.Int64
	var mu sync.Mutex
	var bad []string
	attached := map[string]bool{} // a bidder's attachment's key: filed?
	start = time.Now()
	pool(1000, 8, func(i int) {
		in := domain.ObjectionInput{Name: "张三", Contact: "13800000000", Reason: fmt.Sprintf("第 %d 份意见：第一名的团队人员资质证书与实际不符，请核查。", i)}
		by, addr := domain.Actor{IP: fmt.Sprintf("198.51.100.%d", i%50)}, fmt.Sprintf("198.51.100.%d", i%50)
		var att *service.File
		if i < 9 {
			by = h.actor(bidders[i%3])
			att = &service.File{Name: "证据.pdf", Data: pdfDoc}
		}
		id := uuid.NewString()
		f, err := h.app.Calls.Object(ctx, by, callID, id, in, "", att, addr)
		if att != nil {
			mu.Lock()
			attached["calls/"+callID+"/objections/"+id+"/"+att.Name] = err == nil
			mu.Unlock()
		}
		switch {
		case err == nil && f.Route == domain.RouteChallenge:
			challenges.Add(1)
		case err == nil && f.Route == domain.RoutePublicComment:
			comments.Add(1)
		case domain.ErrorCode(err) == domain.CodeTooMany:
			tooMany.Add(1)
		case domain.ErrorCode(err) == domain.CodeConflict && i < 9:
			conflicts.Add(1)
		default:
			mu.Lock()
			bad = append(bad, fmt.Sprintf("%d: %+v %v", i, f, err))
			mu.Unlock()
		}
	})
	t.Logf("1,000 objections in %v", time.Since(start).Round(time.Second))
	if len(bad) > 0 {
		t.Fatalf("unexpected outcomes: %v", bad)
	}
	if challenges.Load() != 3 || conflicts.Load() != 6 || int(comments.Load()) != domain.PublicCommentsPerCallHour-early ||
		int(tooMany.Load()) != 1000-9-(domain.PublicCommentsPerCallHour-early) {
		t.Fatalf("challenges %d, refused second challenges %d, comments %d, rate-limited %d", challenges.Load(), conflicts.Load(), comments.Load(), tooMany.Load())
	}

	// The rest of the 10,000 updates: refused ones (a clarification under
	// publicity), which the workflow's validator turns away unrecorded.
	rest := 10000 - int(sent.Load())
	var refusedOK atomic.Int64
	var other atomic.Value
	start = time.Now()
	pool(rest, 8, func(i int) {
		h, err := h.app.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: wfID, UpdateName: workflows.UpdateClarify, WaitForStage: client.WorkflowUpdateStageCompleted,
			Args: []any{workflows.ClarifyRequest{Actor: hexi, ID: uuid.NewString(), Title: "补充说明", Body: "培训场地由各社区提供，投标人无需自备。"}},
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		if domain.ErrorCode(workflows.DomainError(err)) == domain.CodeConflict {
			refusedOK.Add(1)
		} else {
			other.Store(fmt.Sprint(err))
		}
	})
	t.Logf("%d refused updates in %v", rest, time.Since(start).Round(time.Second))
	if int(refusedOK.Load()) != rest {
		t.Fatalf("%d of %d late clarifications refused as a conflict; another: %v", refusedOK.Load(), rest, other.Load())
	}

	// Alive, bounded, held by the admissible objections alone.
	events, size, _, _ = describe()
	t.Logf("after the flood: history %d events, %d bytes", events, size)
	if events > abuseHistoryBound || size > 8<<20 {
		t.Fatalf("history %d events, %d bytes after the flood", events, size)
	}
	v, err := h.app.Temporal.QueryWorkflow(ctx, wfID, "", workflows.QueryState)
	if err != nil {
		t.Fatalf("the workflow does not answer: %v", err)
	}
	var st workflows.CallState
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	orgs := map[int64]bool{}
	for _, u := range bidders {
		orgs[h.actor(u).OrgID] = true
	}
	if st.Stage != domain.StagePublicity || len(st.Objections) != 3 {
		t.Fatalf("stage %s, holding objections %+v", st.Stage, st.Objections)
	}
	for _, o := range st.Objections {
		if !orgs[o.OrgID] || o.Complaint {
			t.Fatalf("the award is held by %+v, not a bidder's objection", o)
		}
	}
	var filed, pending, stored int
	if err := h.app.Store.Pool().QueryRow(ctx, `SELECT count(*) FILTER (WHERE filed), count(*) FILTER (WHERE NOT filed),
		(SELECT count(*) FROM public_comments WHERE call_id = $1) FROM objections WHERE call_id = $1`, callID).Scan(&filed, &pending, &stored); err != nil {
		t.Fatal(err)
	}
	if filed != 3 || pending != 0 || stored != domain.PublicCommentsPerCallHour {
		t.Fatalf("objections filed %d, pending %d; public comments %d", filed, pending, stored)
	}
	// The refused challenges' attachments are gone; the filed ones' remain.
	for k, filed := range attached {
		_, _, err := h.app.Blob.Get(ctx, k, "")
		if filed && err != nil {
			t.Errorf("a filed objection's attachment %s: %v", k, err)
		}
		if !filed && err == nil {
			t.Errorf("a refused objection's attachment %s is still stored", k)
		}
	}

	// Civil affairs answers the three; nothing else holds the award.
	for _, o := range st.Objections {
		if err := h.app.Calls.AnswerObjection(ctx, hexi, callID, uuid.NewString(), o.ID, false, "经核查，证书真实有效，质疑不成立。", ""); err != nil {
			t.Fatalf("answer %s: %v", o.ID, err)
		}
	}
	v, err = h.app.Temporal.QueryWorkflow(ctx, wfID, "", workflows.QueryState)
	if err != nil {
		t.Fatal(err)
	}
	st = workflows.CallState{}
	if err := v.Get(&st); err != nil {
		t.Fatal(err)
	}
	if len(st.Objections) != 0 {
		t.Fatalf("still held by %+v after every admissible objection was answered", st.Objections)
	}
}
