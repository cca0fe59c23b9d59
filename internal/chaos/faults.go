package chaos

import (
	"context"
	"fmt"
	"math/rand"
	"time"
)

// Fault kinds.
const (
	KillWeb      = "kill-web"
	KillWorker   = "kill-worker"
	PGFast       = "pg-fast"
	PGImmediate  = "pg-immediate"
	MinIORestart = "minio"
	PauseWorker  = "pause-worker"
	PauseWeb     = "pause-web"
)

// faultKinds in the order the line prints them; weights of the draw.
var faultKinds = []struct {
	kind   string
	weight int
}{{KillWeb, 3}, {KillWorker, 3}, {PGFast, 2}, {PGImmediate, 2}, {MinIORestart, 2}, {PauseWorker, 2}, {PauseWeb, 1}}

// pauseFor is how long a paused process stays stopped: past the
// activities' 30-second start-to-close timeout.
const pauseFor = 35 * time.Second

type fault struct {
	gap    time.Duration
	kind   string
	target int // which of the two web or worker processes
}

// Schedule is the fault schedule a seed gives: n faults, their gaps, kinds
// and targets.
func schedule(seed int64, n int, mean time.Duration) []fault {
	rng := rand.New(rand.NewSource(seed))
	total := 0
	for _, k := range faultKinds {
		total += k.weight
	}
	out := make([]fault, n)
	for i := range out {
		w := rng.Intn(total)
		kind := ""
		for _, k := range faultKinds {
			if w < k.weight {
				kind = k.kind
				break
			}
			w -= k.weight
		}
		out[i] = fault{gap: mean/2 + time.Duration(rng.Int63n(int64(mean))), kind: kind, target: rng.Intn(2)}
	}
	return out
}

// inject runs the schedule until it ends or every lifecycle has ended.
func (r *round) inject(ctx context.Context, plan []fault, done <-chan struct{}) error {
	for i, f := range plan {
		select {
		case <-done:
			r.say("every lifecycle ended after %d of %d faults", i, len(plan))
			return nil
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(f.gap):
		}
		if err := r.fault(ctx, f); err != nil {
			return fmt.Errorf("fault %d (%s): %w", i+1, f.kind, err)
		}
		r.mu.Lock()
		r.faults[f.kind]++
		r.mu.Unlock()
	}
	return nil
}

func (r *round) fault(ctx context.Context, f fault) error {
	// the schedule's target; the other one while it is paused; both
	// paused: the target once it runs again
	pick := func(ps []*proc) *proc {
		p := ps[f.target]
		if p.isPaused() && !ps[1-f.target].isPaused() {
			return ps[1-f.target]
		}
		for p.isPaused() {
			time.Sleep(200 * time.Millisecond)
		}
		return p
	}
	r.say("fault: %s %d", f.kind, f.target+1)
	switch f.kind {
	case KillWeb, KillWorker:
		ps := r.workers
		if f.kind == KillWeb {
			ps = r.webs
		}
		p := pick(ps)
		p.kill()
		return p.start(ctx)
	case PauseWeb, PauseWorker:
		ps := r.workers
		if f.kind == PauseWeb {
			ps = r.webs
		}
		p := pick(ps)
		p.mu.Lock()
		p.paused = true
		p.mu.Unlock()
		r.pauses.Add(1)
		go func() { defer r.pauses.Done(); p.pause(pauseFor) }()
		return nil
	case PGFast, PGImmediate:
		return r.st.Postgres.Restart(ctx, f.kind == PGImmediate)
	case MinIORestart:
		return r.st.MinIO.Restart(ctx)
	}
	return fmt.Errorf("unknown fault %q", f.kind)
}
