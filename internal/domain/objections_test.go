package domain

import (
	"strings"
	"testing"
)

func TestRouteObjection(t *testing.T) {
	bidder := ObjectionStanding{Supplier: true, TookPart: true}
	for _, c := range []struct {
		name      string
		s         ObjectionStanding
		complaint bool
		want      ObjectionRoute
		code      Code
	}{
		{"anonymous public", ObjectionStanding{}, false, RoutePublicComment, ""},
		{"account of no organisation", ObjectionStanding{Supplier: false, TookPart: true}, false, RoutePublicComment, ""},
		{"organisation that did not bid", ObjectionStanding{Supplier: true}, false, RoutePublicComment, ""},
		{"bidder", bidder, false, RouteChallenge, ""},
		{"bidder's second challenge", ObjectionStanding{Supplier: true, TookPart: true, Objected: true}, false, "", CodeConflict},
		{"objector complains", ObjectionStanding{Supplier: true, TookPart: true, Objected: true, ObjectorOf: true}, true, RouteComplaint, ""},
		{"other bidder complains", ObjectionStanding{Supplier: true, TookPart: true, Objected: true}, true, "", CodeForbidden},
		{"public complains", ObjectionStanding{ObjectorOf: true}, true, "", CodeForbidden},
		{"non-bidder complains", ObjectionStanding{Supplier: true, ObjectorOf: true}, true, "", CodeForbidden},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := RouteObjection(c.s, c.complaint)
			if ErrorCode(err) != c.code && (c.code != "" || err != nil) {
				t.Fatalf("error %v, want code %q", err, c.code)
			}
			if got != c.want {
				t.Fatalf("route %q, want %q", got, c.want)
			}
			if got.HoldsAward() != (c.want == RouteChallenge || c.want == RouteComplaint) {
				t.Fatalf("%q holds the award: %v", got, got.HoldsAward())
			}
		})
	}
	if RoutePublicComment.HoldsAward() {
		t.Fatal("a public comment holds the award")
	}
}

func TestPublicCommentLimit(t *testing.T) {
	for _, c := range []struct {
		total, callHour, addrHour int
		code                      Code
	}{
		{0, 0, 0, ""},
		{PublicCommentsPerCall - 1, PublicCommentsPerCallHour - 1, PublicCommentsPerAddressHour - 1, ""},
		{PublicCommentsPerCall, 0, 0, CodeTooMany},
		{0, PublicCommentsPerCallHour, 0, CodeTooMany},
		{0, 0, PublicCommentsPerAddressHour, CodeTooMany},
	} {
		err := PublicCommentLimit(c.total, c.callHour, c.addrHour)
		if c.code == "" && err != nil || c.code != "" && ErrorCode(err) != c.code {
			t.Errorf("%+v: %v", c, err)
		}
	}
}

func TestValidatePublicComment(t *testing.T) {
	in := ObjectionInput{Name: "张三", Contact: "13800000000", Reason: strings.Repeat("意", PublicCommentMaxRunes)}
	if err := ValidatePublicComment(in); err != nil {
		t.Fatal(err)
	}
	in.Reason += "意"
	if err := ValidatePublicComment(in); ErrorCode(err) != CodeInvalid {
		t.Fatalf("an over-long comment: %v", err)
	}
	if err := ValidatePublicComment(ObjectionInput{Name: "张三", Reason: "结果公示的内容有误，请核查。"}); ErrorCode(err) != CodeInvalid {
		t.Fatalf("a comment without contact: %v", err)
	}
}
