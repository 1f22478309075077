package profile

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/strictjson"
)

var (
	jsonEP  = Endpoint{ID: "event", Method: http.MethodPost, Path: "/inappevent/{app_id}"}
	queryEP = Endpoint{ID: "conv", Method: http.MethodGet, Path: "/postback", Transport: QueryString,
		ParamAliases: map[string][]string{"click_id": {"clickid"}}}
)

func TestOutgoingEncodesPerTransport(t *testing.T) {
	renamed, err := queryEP.Rename(map[string]string{"click_id": "subid", "sum": "payout"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name       string
		e          Endpoint
		pl         Payload
		target     string
		body       string
		contentTyp string
	}{
		{"json body, path escaped", jsonEP, Payload{PathValues: map[string]string{"app_id": "id 1/2"}, Body: map[string]any{"a": 1.5}},
			"/inappevent/id%201%2F2", `{"a":1.5}`, "application/json"},
		{"json raw path kept", jsonEP, Payload{RawPath: "/inappevent/%69d1", Body: map[string]any{}},
			"/inappevent/%69d1", `{}`, "application/json"},
		{"query members as parameters", queryEP, Payload{Body: map[string]any{"click_id": "ab c", "sum": 100.5, "status": "1"}},
			"/postback?click_id=ab+c&status=1&sum=100.5", "", ""},
		{"query under a target's names", renamed, Payload{Body: map[string]any{"click_id": "x", "sum": "2"}},
			"/postback?payout=2&subid=x", "", ""},
		{"raw query verbatim", queryEP, Payload{Raw: "click_id=%zz"}, "/postback?click_id=%zz", "", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := tc.pl.Outgoing(&tc.e)
			if err != nil {
				t.Fatal(err)
			}
			if got := o.Target(); got != tc.target {
				t.Errorf("target %q, want %q", got, tc.target)
			}
			if string(o.Body) != tc.body {
				t.Errorf("body %q, want %q", o.Body, tc.body)
			}
			if got := o.Header.Get("Content-Type"); got != tc.contentTyp {
				t.Errorf("Content-Type %q, want %q", got, tc.contentTyp)
			}
		})
	}
}

func TestQueryRefusesWhatCannotTravel(t *testing.T) {
	pl := Payload{Body: map[string]any{"nested": map[string]any{"a": "b"}}}
	if _, err := pl.Outgoing(&queryEP); err == nil || !strings.Contains(err.Error(), "nested") {
		t.Fatalf("err %v, want one naming the member", err)
	}
	pl = Payload{Body: []any{"x"}}
	if _, err := pl.Outgoing(&queryEP); err == nil {
		t.Fatal("an array body encoded into a query string")
	}
}

// TestRoundTrip: what a sender encodes, a receiver routed by a ServeMux
// decodes to the same document and path parameters, on both transports.
func TestRoundTrip(t *testing.T) {
	renamed, _ := queryEP.Rename(map[string]string{"click_id": "subid"})
	for _, tc := range []struct {
		e   Endpoint
		doc map[string]any
	}{
		{jsonEP, map[string]any{"event": "buy", "n": "1"}},
		{queryEP, map[string]any{"click_id": "c1", "goal": "dep ø&=", "sum": "10.25"}},
		{renamed, map[string]any{"click_id": "c2", "status": "2"}},
	} {
		t.Run(tc.e.ID+tc.e.WireName("click_id"), func(t *testing.T) {
			var got *Request
			mux := http.NewServeMux()
			mux.HandleFunc(tc.e.Pattern(), func(w http.ResponseWriter, r *http.Request) {
				got = tc.e.Receive(r, time.Unix(0, 0))
				got.Body, _ = io.ReadAll(r.Body)
			})
			srv := httptest.NewServer(mux)
			defer srv.Close()
			pl := Payload{PathValues: map[string]string{"app_id": "id9"}, Body: tc.doc}
			o, err := pl.Outgoing(&tc.e)
			if err != nil {
				t.Fatal(err)
			}
			seedSpelling := strings.ToUpper("X-Api-Key") // a seed's spelling, not canonical
			o.Header[seedSpelling] = []string{"k"}
			req, err := o.Request(context.Background(), srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := req.Header[seedSpelling]; !ok {
				t.Errorf("header name spelling lost: %v", req.Header)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got == nil {
				t.Fatalf("not routed: %d", resp.StatusCode)
			}
			doc, err := got.Document()
			if err != nil {
				t.Fatal(err)
			}
			if !EqualJSON(doc, tc.doc) {
				t.Errorf("document %v, want %v", doc, tc.doc)
			}
			local, err := o.Received(time.Unix(0, 0)).Document()
			if err != nil || !EqualJSON(local, tc.doc) {
				t.Errorf("Received document %v (%v), want %v", local, err, tc.doc)
			}
			if strings.Contains(tc.e.Path, "{app_id}") && got.PathValue("app_id") != "id9" {
				t.Errorf("path values %v", got.PathValues)
			}
		})
	}
}

func TestQueryDecodeErrors(t *testing.T) {
	for _, tc := range []struct {
		raw, param, msg string
	}{
		{"click_id=a&click_id=b", "click_id", "given twice"},
		{"click_id=a&clickid=b", "clickid", "also as click_id"},
		{"click_id=%zz", "click_id", "percent-escape"},
		{"%zz=1", "", "percent-escape"},
		{"a=1;b=2", "a", "value"}, // ";" inside a value is only a value…
		{"a;b=2", "a;b", `";"`},   // …but in a name it is a separator someone meant
	} {
		t.Run(tc.raw, func(t *testing.T) {
			r := &Request{Endpoint: &queryEP, RawQuery: tc.raw}
			_, err := r.Document()
			var qe *QueryError
			if tc.msg == "value" {
				if err != nil {
					t.Fatalf("err %v, want none", err)
				}
				return
			}
			if !errors.As(err, &qe) {
				t.Fatalf("err %v, want a *QueryError", err)
			}
			if qe.How != MalformedRepeatedParam && qe.How != MalformedBadEscape {
				t.Errorf("How %q: the grounding key is missing", qe.How)
			}
			if qe.Param != tc.param || !strings.Contains(qe.Error(), tc.msg) {
				t.Errorf("got %+v (%v), want param %q and %q", qe, qe, tc.param, tc.msg)
			}
		})
	}
	doc, err := (&Request{Endpoint: &queryEP, RawQuery: "clickid=x&&empty=&sum=1.5"}).Document()
	want := map[string]any{"click_id": "x", "empty": "", "sum": "1.5"}
	if err != nil || !reflect.DeepEqual(doc, want) {
		t.Errorf("document %v (%v), want %v (alias read as its member, empty parts skipped)", doc, err, want)
	}
}

func TestJSONDocumentErrors(t *testing.T) {
	_, err := (&Request{Endpoint: &jsonEP, Body: []byte(`{"a":1,"a":2}`)}).Document()
	var dup *strictjson.DuplicateKeyError
	if !errors.As(err, &dup) {
		t.Errorf("err %v, want a duplicate key", err)
	}
	if _, err := (&Request{Endpoint: &jsonEP, Body: []byte(`1e400`)}).Document(); err == nil {
		t.Error("1e400 decoded")
	}
}

func TestRename(t *testing.T) {
	if _, err := jsonEP.Rename(map[string]string{"a": "b"}); err == nil {
		t.Error("renamed a JSON body's members")
	}
	if _, err := queryEP.Rename(map[string]string{"a": "x", "b": "x"}); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("err %v, want two members on one name refused", err)
	}
	r, err := queryEP.Rename(map[string]string{"click_id": "subid"})
	if err != nil || r.WireName("click_id") != "subid" || queryEP.WireName("click_id") != "click_id" {
		t.Errorf("rename %v %q, and the original must not change (%q)", err, r.WireName("click_id"), queryEP.WireName("click_id"))
	}
	// Renamed, a member's own name is a parameter the target does not know.
	doc, err := (&Request{Endpoint: &r, RawQuery: "click_id=a&goal=g"}).Document()
	if want := map[string]any{"goal": "g"}; err != nil || !reflect.DeepEqual(doc, want) {
		t.Errorf("document %v (%v), want %v", doc, err, want)
	}
}

func TestQueryValueAndPathValuesOf(t *testing.T) {
	r := &Request{RawQuery: "a=1&secure=t%20k&secure=2"}
	if v, ok := r.QueryValue("secure"); !ok || v != "t k" {
		t.Errorf("QueryValue %q %v", v, ok)
	}
	if _, ok := r.QueryValue("b"); ok {
		t.Error("found a missing parameter")
	}
	if got := jsonEP.PathValuesOf("/inappevent/id%201"); got["app_id"] != "id 1" {
		t.Errorf("PathValuesOf %v", got)
	}
	if got := jsonEP.PathValuesOf("/other/x"); got != nil {
		t.Errorf("PathValuesOf a foreign path %v", got)
	}
	o := &Outgoing{Endpoint: &queryEP, RawQuery: "x=%zz", Query: map[string][]string{"secure": {"t"}}}
	if got := o.EncodedQuery(); got != "x=%zz&secure=t" {
		t.Errorf("a raw query loses what signing added: %q", got)
	}
}

// FuzzQueryDocument: any query string decodes to a document or a
// *QueryError, never a panic, and a decoded one re-encodes to itself.
func FuzzQueryDocument(f *testing.F) {
	for _, s := range []string{"a=1", "click_id=a&clickid=b", "%zz", "a=%20&b", "&&=&", "a;b=1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		doc, err := (&Request{Endpoint: &queryEP, RawQuery: raw}).Document()
		if err != nil {
			var qe *QueryError
			if !errors.As(err, &qe) {
				t.Fatalf("%q: error %T %v", raw, err, err)
			}
			return
		}
		pl := Payload{Body: doc}
		o, err := pl.Outgoing(&queryEP)
		if err != nil {
			t.Fatalf("%q: re-encode: %v", raw, err)
		}
		again, err := o.Received(time.Time{}).Document()
		if err != nil || !EqualJSON(again, doc) {
			t.Fatalf("%q: %v → %q → %v (%v)", raw, doc, o.EncodedQuery(), again, err)
		}
	})
}
