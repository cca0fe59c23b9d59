package web

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"time"

	"grantflow/internal/domain"
	"grantflow/internal/store"
)

// Where a request comes from. Only a configured reverse proxy
// (GRANTFLOW_TRUSTED_PROXIES) is believed about the client behind it;
// anyone else's X-Forwarded-For, X-Real-IP or True-Client-IP is ignored, so
// nobody can pick the address the audit log records or the limits count.

// clientAddress is the client's address: the peer itself, unless the peer
// is a trusted proxy; then the right-most address of X-Forwarded-For that
// is not a trusted proxy (the left part of the header is whatever the
// client sent, and cannot be believed).
func clientAddress(remoteAddr string, forwardedFor []string, trusted []netip.Prefix) string {
	peer, ok := parseAddr(remoteAddr)
	if !ok {
		return remoteAddr
	}
	if !isTrusted(peer, trusted) {
		return peer.String()
	}
	var hops []string
	for _, h := range forwardedFor {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, ok := parseAddr(strings.TrimSpace(hops[i]))
		if !ok {
			break // a malformed hop: the last trusted one is all we know
		}
		client = a
		if !isTrusted(a, trusted) {
			break
		}
	}
	return client.String()
}

func parseAddr(s string) (netip.Addr, bool) {
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// realClient sets r.RemoteAddr to the client's address (see clientAddress)
// for everything after it: the audit log, sessions and the rate limits.
func (s *Server) realClient(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.RemoteAddr = clientAddress(r.RemoteAddr, r.Header.Values("X-Forwarded-For"), s.TrustedProxies)
		next.ServeHTTP(w, r)
	})
}

// Rate limits. They are kept in PostgreSQL (store.RateLimited, CountHits),
// so every web replica counts the same attempts, and they are checked before
// a password is hashed, so a limited client costs one query, not an argon2id
// hash.
//
// Sign-in failures (web login and API token requests alike) count three
// ways:
//   - per address and username, strictly: the guesser at one address is
//     stopped after a few tries on an account;
//   - per address, for any username: one address cannot try many accounts;
//   - per username from anywhere, loosely and in a short window: many
//     addresses guessing one account slow down. Since each address adds at
//     most pairFailures to it, one address (one attacker) can never reach
//     it, and an address that signed in to the account successfully before
//     is not held by it at all — a stranger cannot lock the real user out.
const (
	bucketLoginPair  = "login.addr_user"
	bucketLoginAddr  = "login.addr"
	bucketLoginUser  = "login.user"
	bucketLoginKnown = "login.known"
	bucketRegister   = "register.addr"
	bucketCheckin    = "checkin.addr"

	pairFailures    = 5
	pairWindow      = 15 * time.Minute
	addrFailures    = 30
	addrWindow      = 15 * time.Minute
	userFailures    = 30
	userWindow      = 10 * time.Minute
	knownFor        = 90 * 24 * time.Hour
	registrations   = 10 // registration attempts per address an hour (each hashes a password)
	registerWindow  = time.Hour
	checkinFailures = 10 // failed phone check-ins from an address in checkinWindow
	checkinWindow   = 10 * time.Minute
)

// limitKey is the address as the limits count it: an IPv4 address, or the
// /64 network of an IPv6 address (one subscriber gets a whole /64, and could
// otherwise take a fresh address for every guess).
func limitKey(addr string) string {
	a, err := netip.ParseAddr(addr)
	if err != nil {
		return addr
	}
	if a = a.Unmap(); a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// signInLimits are the limits on sign-in failures of username from addr.
type signInLimits struct {
	pair, addr, user, known store.RateLimit
}

func signInLimitsFor(addr, username string) signInLimits {
	addr, username = limitKey(addr), strings.ToLower(strings.TrimSpace(username))
	return signInLimits{
		pair:  store.RateLimit{Bucket: bucketLoginPair, Addr: addr, Username: username, Max: pairFailures, Window: pairWindow},
		addr:  store.RateLimit{Bucket: bucketLoginAddr, Addr: addr, Max: addrFailures, Window: addrWindow},
		user:  store.RateLimit{Bucket: bucketLoginUser, Username: username, Max: userFailures, Window: userWindow},
		known: store.RateLimit{Bucket: bucketLoginKnown, Addr: addr, Username: username, Max: 1, Window: knownFor},
	}
}

// signInRefused reports whether a sign-in attempt must be refused before its
// password is checked, and until when.
func (s *Server) signInRefused(ctx context.Context, l signInLimits) (time.Time, error) {
	if _, until, err := s.Store.RateLimited(ctx, l.pair, l.addr); err != nil || !until.IsZero() {
		return until, err
	}
	known, _, err := s.Store.RateLimited(ctx, l.known)
	if err != nil || known.Bucket != "" {
		return time.Time{}, err
	}
	_, until, err := s.Store.RateLimited(ctx, l.user)
	return until, err
}

// signInFailed counts a failure and reports whether it used a limit up
// (then the next attempt is refused), and until when.
func (s *Server) signInFailed(ctx context.Context, l signInLimits) (time.Time, error) {
	full, err := s.Store.CountHits(ctx, l.pair, l.addr, l.user)
	if err != nil || len(full) == 0 {
		return time.Time{}, err
	}
	for _, f := range full {
		if f.Bucket == bucketLoginUser {
			// the account-wide limit does not hold an address that signed
			// in before; this one may be the real user's own
			known, _, err := s.Store.RateLimited(ctx, l.known)
			if err != nil {
				return time.Time{}, err
			}
			if known.Bucket != "" {
				continue
			}
		}
		_, until, err := s.Store.RateLimited(ctx, f)
		return until, err
	}
	return time.Time{}, nil
}

// signInSucceeded remembers the address as one the account signs in from
// and forgets the failures of this address on the account.
func (s *Server) signInSucceeded(ctx context.Context, l signInLimits) error {
	if err := s.Store.ForgetHits(ctx, l.pair); err != nil {
		return err
	}
	_, err := s.Store.CountHits(ctx, l.known)
	return err
}

// unlockSignIn ends every sign-in limit on a username (an administrator's
// password reset unlocks the account).
func (s *Server) unlockSignIn(ctx context.Context, username string) error {
	return s.Store.ClearRateLimits(ctx, strings.ToLower(username), bucketLoginPair, bucketLoginUser)
}

func tooManySignIns(until time.Time) error {
	return domain.Errorf(domain.CodeTooMany, "登录失败次数过多，已暂停从此处登录，请于 %s 之后再试；如需立即解锁，请联系平台管理员。",
		until.In(domain.ChinaTime).Format("15:04"))
}

// registrationAllowed counts a registration attempt from the request's
// address and refuses it (before any password is hashed) once the address
// has used up its attempts.
func (s *Server) registrationAllowed(r *http.Request) error {
	l := store.RateLimit{Bucket: bucketRegister, Addr: limitKey(clientIP(r)), Max: registrations, Window: registerWindow}
	if _, until, err := s.Store.RateLimited(r.Context(), l); err != nil {
		return err
	} else if !until.IsZero() {
		return domain.Errorf(domain.CodeTooMany, "此网络注册的次数过多，请于 %s 之后再试。", until.In(domain.ChinaTime).Format("15:04"))
	}
	_, err := s.Store.CountHits(r.Context(), l)
	return err
}

// checkinLimit is the limit on failed phone check-ins from an address: the
// check-in has no account, so a wrong code, number or name is all that
// stands between a guesser and someone's attendance. Successes are not
// counted — a whole session checks in from the venue's one Wi-Fi address.
func checkinLimit(addr string) store.RateLimit {
	return store.RateLimit{Bucket: bucketCheckin, Addr: limitKey(addr), Max: checkinFailures, Window: checkinWindow}
}
