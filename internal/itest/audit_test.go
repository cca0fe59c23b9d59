package itest

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// auditVerify runs `grantflow audit verify` against the harness's database.
func (h *harness) auditVerify() (string, int) {
	h.t.Helper()
	cmd := exec.Command(grantflowBinary(h.t), "audit", "verify")
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "GRANTFLOW_LOG_LEVEL=error"}, h.app.Config.Env()...)
	out, err := cmd.Output()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		h.t.Fatal(err)
	}
	return string(out), code
}

// tamper changes the audit log as someone with database access would: with
// the append-only trigger switched off.
func (h *harness) tamper(sql string, args ...any) {
	h.t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, h.app.Config.DatabaseURL)
	if err != nil {
		h.t.Fatal(err)
	}
	defer c.Close(ctx)
	for _, q := range []string{"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only", sql, "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only"} {
		a := args
		if q != sql {
			a = nil
		}
		if _, err := c.Exec(ctx, q, a...); err != nil {
			h.t.Fatalf("%s: %v", q, err)
		}
	}
}

func TestAuditLogIsTamperEvident(t *testing.T) {
	cases := []struct {
		name  string
		sql   string
		seq   int64
		wants string
	}{
		{"summary edited", `UPDATE audit_log SET summary = '{"title":"改过的标题"}' WHERE seq = $1`, 5, "altered"},
		{"actor edited and hash rewritten", `UPDATE audit_log SET actor_name = '别人', hash = sha256(hash) WHERE seq = $1`, 4, "altered"},
		{"entry deleted", `DELETE FROM audit_log WHERE seq = $1`, 6, "missing"},
		{"last entry deleted", `DELETE FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log) AND $1 > 0`, 0, "missing"},
		{"entry inserted", `INSERT INTO audit_log (seq, at, actor_name, action, prev_hash, hash)
			SELECT seq + 1, now(), '伪造', 'call.create', hash, hash FROM audit_log WHERE seq = (SELECT max(seq) FROM audit_log) AND $1 > 0`, 0, "inserted"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			// some real history: the seed, a sign-in, a call, a refused write
			r := h.api("minzheng", "POST", "/api/v1/calls", map[string]any{"title": "和平区家庭照护者培训", "brand": "cuncaoxin", "district": "和平区", "budget_fen": 100000}, nil)
			if r.status != http.StatusCreated {
				t.Fatalf("create: %d %s", r.status, r.body)
			}
			out, code := h.auditVerify()
			if code != 0 || !strings.Contains(out, "intact") {
				t.Fatalf("untouched log: exit %d: %s", code, out)
			}
			// the workflows render notices in the background: wait until
			// nothing more is appended, so the entry numbers below hold
			last := h.quietAudit()
			want := tc.seq
			switch tc.name {
			case "last entry deleted":
				want = last
			case "entry inserted":
				want = last + 1
			}
			arg := tc.seq
			if arg == 0 {
				arg = 1
			}
			h.tamper(tc.sql, arg)
			out, code = h.auditVerify()
			if code != 2 || !strings.Contains(out, fmt.Sprintf("BROKEN at entry %d:", want)) || !strings.Contains(out, tc.wants) {
				t.Fatalf("after %s of entry %d: exit %d: %s", tc.name, want, code, out)
			}
		})
	}
}

func TestAuditAppendOnlyAndComplete(t *testing.T) {
	h := newHarness(t)
	r := h.api("minzheng", "POST", "/api/v1/calls", map[string]any{"title": "红桥区应急救护培训", "brand": "cuncaoxin", "district": "红桥区", "budget_fen": 100000}, nil)
	var c apiCall
	r.json(t, &c)
	eventually(t, "the notice", func() bool { return h.getCall("minzheng", c.ID).NoticeReady })
	h.api("minzheng", "POST", "/api/v1/calls/"+c.ID+"/cancel", map[string]string{"reason": "重复立项"}, nil)

	var entries struct {
		Items []struct {
			Action    string `json:"action"`
			ActorName string `json:"actor_name"`
			IP        string `json:"ip"`
			Summary   string `json:"summary"`
		}
	}
	r = h.api("admin", "GET", "/api/v1/audit?object_type=call&object_id="+c.ID, nil, nil)
	r.json(t, &entries)
	var actions []string
	for _, e := range entries.Items {
		actions = append(actions, e.Action)
		if e.Action != "call.notice" && (e.ActorName != "张敏（市民政局）" || e.IP != "127.0.0.1") {
			t.Errorf("%s recorded as by %q from %q", e.Action, e.ActorName, e.IP)
		}
	}
	if got := strings.Join(actions, ","); got != "call.stage,call.notice,call.create" {
		t.Fatalf("audit of the call = %s", got)
	}
	if r := h.api("minzheng", "GET", "/api/v1/audit", nil, nil); r.status != http.StatusForbidden {
		t.Fatalf("civil affairs reads the audit log: %d", r.status)
	}
	if _, err := h.app.Store.Pool().Exec(context.Background(), `DELETE FROM audit_log`); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Fatalf("delete from audit_log: %v", err)
	}
}

// TestRepeatedWrongPasswordsLockTheAccount: five wrong passwords from one
// address lock the account there for a while (the limits are in
// throttle.go; TestSignInLimits shows a stranger cannot lock the real user
// out from elsewhere).
func TestRepeatedWrongPasswordsLockTheAccount(t *testing.T) {
	h := newHarness(t)
	try := func(password string) response {
		return h.do("POST", "/api/v1/tokens", "", "application/json", fmt.Sprintf(`{"username":"zuzhi","password":%q}`, password), nil)
	}
	for i := 1; i <= 4; i++ {
		if r := try("wrong"); r.status != http.StatusUnauthorized || !strings.Contains(string(r.body), "用户名或密码不正确") {
			t.Fatalf("attempt %d: %d %s", i, r.status, r.body)
		}
	}
	if r := try("wrong"); r.status != http.StatusTooManyRequests || !strings.Contains(string(r.body), "登录失败次数过多") {
		t.Fatalf("fifth wrong password: %d %s", r.status, r.body)
	}
	// locked: even the right password is refused for now
	if r := try("grantflow-demo"); r.status != http.StatusTooManyRequests || !strings.Contains(string(r.body), "登录失败次数过多") {
		t.Fatalf("right password while locked: %d %s", r.status, r.body)
	}
	// other accounts are not affected
	if r := h.do("POST", "/api/v1/tokens", "", "application/json", `{"username":"hexi","password":"grantflow-demo"}`, nil); r.status != http.StatusCreated {
		t.Fatalf("another account: %d %s", r.status, r.body)
	}
	// when the lock has expired, the right password works again
	if _, err := h.app.Store.Pool().Exec(context.Background(), `UPDATE rate_limits SET window_end = now() - interval '1 second' WHERE username = 'zuzhi'`); err != nil {
		t.Fatal(err)
	}
	if r := try("grantflow-demo"); r.status != http.StatusCreated {
		t.Fatalf("after the lock: %d %s", r.status, r.body)
	}
	var n int
	if err := h.app.Store.Pool().QueryRow(context.Background(), `SELECT count(*) FROM audit_log WHERE action = 'auth.locked'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("auth.locked entries: %d %v", n, err)
	}
}

// quietAudit waits until no entry has been appended for a second and
// returns the last sequence number.
func (h *harness) quietAudit() int64 {
	h.t.Helper()
	var last, prev int64 = 0, -1
	stable := 0
	for i := 0; i < 200 && stable < 10; i++ {
		if err := h.app.Store.Pool().QueryRow(context.Background(), `SELECT coalesce(max(seq), 0) FROM audit_log`).Scan(&last); err != nil {
			h.t.Fatal(err)
		}
		if last == prev {
			stable++
		} else {
			stable = 0
		}
		prev = last
		time.Sleep(100 * time.Millisecond)
	}
	return last
}
