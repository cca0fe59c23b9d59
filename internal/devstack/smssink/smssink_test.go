package smssink

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"grantflow/internal/notify/sms"
)

const phone = "13812345678"

func get(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %s", url, resp.Status, b)
	}
	return string(b)
}

func messages(t *testing.T, url string) []Message {
	t.Helper()
	var out struct{ Messages []Message }
	if err := json.Unmarshal([]byte(get(t, url)), &out); err != nil {
		t.Fatal(err)
	}
	return out.Messages
}

func TestSinkRecordsAndShowsMessages(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := StartWith(ctx, Options{Addr: "127.0.0.1:0", SignName: "某区民政局", Texts: map[string]string{
		"SMS_1": "您被抽取为「${project}」评审专家，请于${deadline}前确认：${link} 回复1参加，2不参加",
		"1002":  "{1}的评分将于{2}截止",
	}})
	if err != nil {
		t.Fatal(err)
	}
	// In-process, the sink is the provider.
	id1, err := s.Send(ctx, phone, "SMS_1", map[string]string{"project": "社区<助餐>", "deadline": "12月3日17:00", "link": "http://127.0.0.1:8080/draw/confirm?t=abc"})
	if err != nil {
		t.Fatal(err)
	}
	// From another process, sms.Sink posts to it.
	client := &sms.Sink{URL: s.URL()}
	id2, err := client.Send(ctx, "+86 139 0000 1111", "1002", map[string]string{"1": "第二轮", "2": "明天"})
	if err != nil {
		t.Fatal(err)
	}
	if id1 == id2 || id1 == "" || id2 == "" {
		t.Fatalf("ids %q %q", id1, id2)
	}
	all := messages(t, s.URL()+"/api/messages")
	if len(all) != 2 || all[0].ID != id2 || all[1].ID != id1 {
		t.Fatalf("messages (newest first): %+v", all)
	}
	if all[1].Phone != "138****5678" || all[0].Phone != "139****1111" || all[1].Template != "SMS_1" ||
		all[1].Text != "【某区民政局】您被抽取为「社区<助餐>」评审专家，请于12月3日17:00前确认：http://127.0.0.1:8080/draw/confirm?t=abc 回复1参加，2不参加" ||
		all[0].Text != "【某区民政局】第二轮的评分将于明天截止" {
		t.Fatalf("messages: %+v", all)
	}
	mine := messages(t, s.URL()+"/api/messages?phone="+phone)
	if len(mine) != 1 || mine[0].ID != id1 {
		t.Fatalf("?phone= %+v", mine)
	}
	if n := len(messages(t, s.URL()+"/api/messages?template=1002")); n != 1 {
		t.Fatalf("?template= gives %d", n)
	}
	page := get(t, s.URL()+"/")
	if strings.Index(page, "第二轮") > strings.Index(page, "评审专家") || !strings.Contains(page, "第二轮") {
		t.Error("the page does not list the newest first")
	}
	if !strings.Contains(page, `<a href="http://127.0.0.1:8080/draw/confirm?t=abc">`) || !strings.Contains(page, "社区&lt;助餐&gt;") {
		t.Errorf("the page does not link the link or escape the text:\n%s", page)
	}
	for _, body := range []string{page, get(t, s.URL()+"/api/messages")} {
		if strings.Contains(body, phone) || strings.Contains(body, "13900001111") {
			t.Fatalf("a full phone is shown:\n%s", body)
		}
	}
	// Without a text for the code, the parameters are listed.
	if _, err := s.Send(ctx, phone, "SMS_9", map[string]string{"b": "2", "a": "1"}); err != nil {
		t.Fatal(err)
	}
	if got := s.Messages("", "SMS_9")[0].Text; got != "【某区民政局】SMS_9: a=1, b=2" {
		t.Fatalf("text %q", got)
	}
	// Cleared, then stopped with its context.
	req, _ := http.NewRequest(http.MethodDelete, s.URL()+"/api/messages", nil)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	if n := len(s.Messages("", "")); n != 0 {
		t.Fatalf("%d after clear", n)
	}
	cancel()
	time.Sleep(50 * time.Millisecond)
	_, err = client.Send(context.Background(), phone, "1002", nil)
	if !errors.Is(err, sms.ErrRetryable) {
		t.Fatalf("a stopped sink: %v, want a retryable error", err)
	}
}

func TestSinkRefusesWhatProvidersRefuse(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := Start(ctx, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	client := &sms.Sink{URL: s.URL()}
	_, err = client.Send(ctx, phone, "SMS_1", map[string]string{"expert": "11010519491231002X"})
	var e *sms.Error
	if !errors.As(err, &e) || e.Code != sms.CodeIDNumber || sms.Retryable(err) {
		t.Fatalf("an ID number: %v", err)
	}
	// Straight to the endpoint, past the client's own check.
	resp, err := http.Post(s.URL()+"/api/messages", "application/json",
		strings.NewReader(`{"phone":"13812345678","template":"SMS_1","params":{"id":"11010519491231002X"}}`))
	if err != nil {
		t.Fatal(err)
	}
	var ans struct{ Code string }
	_ = json.NewDecoder(resp.Body).Decode(&ans)
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnprocessableEntity || ans.Code != sms.CodeIDNumber {
		t.Fatalf("POST with an ID number: %s %s", resp.Status, ans.Code)
	}
	if _, err := s.Send(ctx, "123", "SMS_1", nil); err == nil {
		t.Fatal("an invalid phone recorded")
	}
	if n := len(s.Messages("", "")); n != 0 {
		t.Fatalf("%d refused messages recorded", n)
	}
}

func TestSinkIsBoundedAndKeepsItsFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sms", "sink.json")
	s, err := New(Options{File: file, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 5; i++ {
		if _, err := s.Send(context.Background(), phone, "SMS_1", map[string]string{"n": string(rune('0' + i))}); err != nil {
			t.Fatal(err)
		}
	}
	got := s.Messages("", "")
	if len(got) != 3 || got[0].Params["n"] != "5" || got[2].Params["n"] != "3" {
		t.Fatalf("kept %+v", got)
	}
	raw, _ := os.ReadFile(file)
	if strings.Contains(string(raw), phone) || !strings.Contains(string(raw), "138****5678") {
		t.Fatalf("the file:\n%s", raw)
	}
	again, err := New(Options{File: file, Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	id, err := again.Send(context.Background(), phone, "SMS_1", nil)
	if err != nil || id != "sink-6" {
		t.Fatalf("after a restart: %q %v, want sink-6", id, err)
	}
	if m := again.Messages(phone, ""); len(m) != 3 || m[1].Params["n"] != "5" {
		t.Fatalf("after a restart: %+v", m)
	}
	if err := os.WriteFile(file, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := New(Options{File: file}); err == nil || !strings.Contains(err.Error(), file) {
		t.Fatalf("a broken file: %v", err)
	}
}
