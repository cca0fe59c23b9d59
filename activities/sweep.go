package activities

import (
	"context"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"

	"grantflow/internal/blob"
	"grantflow/internal/store"
)

// SweepResult says what a sweep of unreferenced objects did.
type SweepResult struct {
	Checked int      // objects under the swept prefixes
	Kept    int      // referenced, or younger than the grace period
	Removed []string // unreferenced and older than the grace period
}

// swept says whether an object key is one a request uploads before it
// sends its update, so that an unclear outcome may leave it behind: a bid's
// sealed part, a call's attachment, an objection's or public comment's
// attachment, a payment voucher, an evaluation report.
func swept(key string) bool {
	seg := strings.Split(key, "/")
	switch {
	case len(seg) == 5 && seg[0] == "calls" && (seg[2] == "bids" || seg[2] == "objections"):
		return true
	case len(seg) == 4 && seg[0] == "calls" && seg[2] == "attachments":
		return true
	case len(seg) == 4 && seg[0] == "projects" && (seg[2] == "vouchers" || seg[2] == "evaluations"):
		return true
	}
	return false
}

// SweepUnreferenced removes the objects of the swept kinds (see swept) that
// no record refers to and that are older than grace: what a request stored
// before an update whose outcome it could not learn, and the workflow then
// refused or never received. Younger objects stay, since their update may
// still be under way. The removals are audited.
func SweepUnreferenced(ctx context.Context, st *store.Store, bs *blob.Store, grace time.Duration, now time.Time) (SweepResult, error) {
	var res SweepResult
	// An objection still pending after the grace period was never filed
	// (its request ended unclear and the workflow refused or never got it):
	// it goes, and its attachment with the objects below.
	if err := st.DeleteStalePendingObjections(ctx, now.Add(-grace)); err != nil {
		return res, err
	}
	// Idempotency keys answer a request sent again within minutes or
	// hours; after store.RequestKeyRetention they go.
	if err := st.DeleteRequestKeys(ctx, now.Add(-store.RequestKeyRetention)); err != nil {
		return res, err
	}
	var candidates []string
	for _, prefix := range []string{"calls/", "projects/"} {
		objs, err := bs.List(ctx, prefix)
		if err != nil {
			return res, err
		}
		for _, o := range objs {
			if !swept(o.Key) {
				continue
			}
			res.Checked++
			if now.Sub(o.LastModified) < grace {
				res.Kept++
				continue
			}
			candidates = append(candidates, o.Key)
		}
	}
	for len(candidates) > 0 {
		batch := candidates[:min(len(candidates), 500)]
		candidates = candidates[len(batch):]
		refs, err := st.ReferencedKeys(ctx, batch)
		if err != nil {
			return res, err
		}
		var removed []string
		for _, k := range batch {
			if refs[k] {
				res.Kept++
				continue
			}
			if err := bs.Remove(ctx, k); err != nil {
				return res, err
			}
			removed = append(removed, k)
		}
		if len(removed) > 0 {
			if err := st.RecordSweep(ctx, removed, grace); err != nil {
				return res, err
			}
			res.Removed = append(res.Removed, removed...)
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, len(res.Removed))
		}
	}
	return res, nil
}

// SweepBlobs is the daily sweep of unreferenced objects (see
// SweepUnreferenced), with the configured grace period.
func (a *Activities) SweepBlobs(ctx context.Context) (SweepResult, error) {
	grace := a.SweepGrace
	if grace <= 0 {
		grace = 24 * time.Hour
	}
	return SweepUnreferenced(ctx, a.Store, a.Blob, grace, time.Now())
}
