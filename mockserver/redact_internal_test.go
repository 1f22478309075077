package mockserver

import (
	"net/url"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/profile"
)

const testSecret = "aff_test_secure_123"

func testHiding() *hiding {
	h := newHiding([]string{testSecret, "admin-token-xyz"}, []string{"secure"})
	return &h
}

func TestJournalQueryRedacts(t *testing.T) {
	tests := []struct {
		name, give, want string
		wantCut          bool
	}{
		{name: "empty", give: "", want: ""},
		{name: "nothing secret", give: "click_id=c1&sum=1.5", want: "click_id=c1&sum=1.5"},
		{name: "the scheme's parameter", give: "click_id=c1&secure=anything", want: "click_id=c1&secure=" + profile.Redact},
		{name: "a parameter named like a credential", give: "api_key=k&x=1", want: "api_key=" + profile.Redact + "&x=1"},
		{name: "a secret elsewhere", give: "sub=" + testSecret + "&x=1", want: "sub=" + profile.Redact + "&x=1"},
		{name: "a secret percent-encoded", give: "sub=" + url.QueryEscape("admin-token-xyz!"), want: "sub=" + profile.Redact},
		{name: "a secret escaped oddly", give: "sub=aff%5Ftest_secure_123", want: "sub=" + profile.Redact},
		{name: "a secret as a name", give: testSecret + "&x=1", want: profile.Redact + "&x=1"},
		{name: "order and spelling kept", give: "b=2&a=%41&secure", want: "b=2&a=%41&secure"},
		{name: "cut", give: "x=" + strings.Repeat("y", maxQuery+10), want: "x=" + strings.Repeat("y", maxQuery-2), wantCut: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := testHiding().query(tt.give)
			if got != tt.want || cut != tt.wantCut {
				t.Errorf("got %q (cut %v), want %q (cut %v)", got, cut, tt.want, tt.wantCut)
			}
		})
	}
}

func TestJournalDocumentRedacts(t *testing.T) {
	e := &profile.Endpoint{Transport: profile.QueryString, Params: map[string]string{"token": "secure"}}
	doc := map[string]any{"click_id": "c1", "token": "whatever", "note": "x" + testSecret}
	got := testHiding().document(e, doc)
	want := map[string]any{"click_id": "c1", "token": profile.Redact, "note": "x" + profile.Redact}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: got %v, want %v", k, got[k], v)
		}
	}
	if doc["token"] != "whatever" {
		t.Errorf("the request's own document was changed: %v", doc)
	}
}

// FuzzJournalQuery: whatever the query, the journal's copy holds no secret
// and stays within its bound.
func FuzzJournalQuery(f *testing.F) {
	for _, s := range []string{"secure=" + testSecret, "a=" + testSecret + "&b=1", "x=%zz&secure", "%3D=" + url.QueryEscape(testSecret), ";;&&=="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		got, _ := testHiding().query(raw)
		if len(got) > maxQuery {
			t.Fatalf("%d bytes kept, want at most %d", len(got), maxQuery)
		}
		for _, form := range []string{testSecret, url.QueryEscape(testSecret)} {
			if strings.Contains(got, form) {
				t.Fatalf("query %q journaled as %q: holds the secret", raw, got)
			}
		}
		for part := range strings.SplitSeq(got, "&") {
			if s, err := url.QueryUnescape(part); err == nil && strings.Contains(s, testSecret) {
				t.Fatalf("query %q journaled as %q: %q decodes to the secret", raw, got, part)
			}
		}
	})
}
