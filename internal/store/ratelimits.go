package store

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
)

// RateLimit is one counter of a rate limit: at most Max hits of Bucket by
// Addr and/or Username in a fixed window of Window. The counters live in
// PostgreSQL, so every web replica sees the same count.
type RateLimit struct {
	Bucket   string
	Addr     string
	Username string
	Max      int
	Window   time.Duration
}

// RateLimited reports the first of limits that is used up, and until when
// (zero time when none is). It only reads: callers check before the costly
// part (a password hash) and count with CountHits after.
func (s *Store) RateLimited(ctx context.Context, limits ...RateLimit) (RateLimit, time.Time, error) {
	for _, l := range limits {
		var hits int
		var end time.Time
		err := s.pool.QueryRow(ctx, `SELECT hits, window_end FROM rate_limits
			WHERE bucket = $1 AND addr = $2 AND username = $3 AND window_end > now()`,
			l.Bucket, l.Addr, l.Username).Scan(&hits, &end)
		if err == pgx.ErrNoRows {
			continue
		}
		if err != nil {
			return RateLimit{}, time.Time{}, mapErr("rate limited", err)
		}
		if hits >= l.Max {
			return l, end, nil
		}
	}
	return RateLimit{}, time.Time{}, nil
}

// CountHits counts one hit on each limit (a new window starts when the last
// one has ended) and returns the limits this hit used up.
func (s *Store) CountHits(ctx context.Context, limits ...RateLimit) ([]RateLimit, error) {
	var full []RateLimit
	for _, l := range limits {
		var hits int
		err := s.pool.QueryRow(ctx, `
			INSERT INTO rate_limits (bucket, addr, username, hits, window_end)
			VALUES ($1, $2, $3, 1, now() + make_interval(secs => $4))
			ON CONFLICT (bucket, addr, username) DO UPDATE SET
				hits = CASE WHEN rate_limits.window_end > now() THEN rate_limits.hits + 1 ELSE 1 END,
				window_end = CASE WHEN rate_limits.window_end > now() THEN rate_limits.window_end ELSE EXCLUDED.window_end END
			RETURNING hits`, l.Bucket, l.Addr, l.Username, l.Window.Seconds()).Scan(&hits)
		if err != nil {
			return nil, mapErr("count hit", err)
		}
		if hits == l.Max {
			full = append(full, l)
		}
	}
	// now and then, drop counters whose window ended long ago
	if rand.IntN(100) == 0 {
		if _, err := s.pool.Exec(ctx, `DELETE FROM rate_limits WHERE window_end < now() - interval '1 day'`); err != nil {
			return nil, mapErr("sweep rate limits", err)
		}
	}
	return full, nil
}

// ClearRateLimits ends every limit on a username in the given buckets (an
// administrator's reset unlocks the account).
func (s *Store) ClearRateLimits(ctx context.Context, username string, buckets ...string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM rate_limits WHERE username = $1 AND bucket = ANY($2)`, username, buckets)
	return mapErr("clear rate limits", err)
}

// ForgetHits drops the counters of limits (a success forgets the failures
// before it).
func (s *Store) ForgetHits(ctx context.Context, limits ...RateLimit) error {
	for _, l := range limits {
		if _, err := s.pool.Exec(ctx, `DELETE FROM rate_limits WHERE bucket = $1 AND addr = $2 AND username = $3`,
			l.Bucket, l.Addr, l.Username); err != nil {
			return mapErr("forget hits", err)
		}
	}
	return nil
}
