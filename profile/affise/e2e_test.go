package affise_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/cli"
	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile/affise"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/verify"
)

// goTracking is a client written the way affise/go-tracking's
// PostbackProvider is (our code, its shape): GET <base>/postback, the query
// built with url.Values from the non-empty members, sum written as Go writes
// a float, status only when it is an Affise status, success only on 200.
type goTracking struct {
	base *url.URL
	hc   *http.Client
}

type conversion struct {
	ClickID, ActionID, Goal, Secure, IP string
	Sum                                 float64
	Status                              int
	CustomFields                        [15]string
}

var errStatus = errors.New("invalid response status")

func (c *goTracking) do(ctx context.Context, pb conversion) error {
	q := url.Values{}
	q.Set("click_id", pb.ClickID)
	for k, v := range map[string]string{"action_id": pb.ActionID, "goal": pb.Goal, "secure": pb.Secure, "ip": pb.IP} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if pb.Sum != 0 {
		q.Set("sum", strconv.FormatFloat(pb.Sum, 'g', -1, 64))
	}
	switch pb.Status {
	case 1, 2, 3, 5:
		q.Set("status", strconv.Itoa(pb.Status))
	}
	for i, v := range pb.CustomFields {
		if v != "" {
			q.Set(fmt.Sprintf("custom_field%d", i+1), v)
		}
	}
	u := *c.base
	u.Path = "/postback"
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	res, err := c.hc.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("%w: %d %s", errStatus, res.StatusCode, b)
	}
	return nil
}

// TestGoTrackingCertified: a go-tracking-style client's conversions, sent to
// the mock inside a session that claims untagged requests, are accepted;
// the journal shows each query (the token redacted) and `s2s verify`
// certifies the sender.
func TestGoTrackingCertified(t *testing.T) {
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(mockserver.Config{AdminToken: "tok"}))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	ctx := context.Background()

	var out, errs bytes.Buffer
	args := []string{"s2s", "verify", "-mock", srv.URL, "-admin-token", "tok", "-open", `{"name":"go-tracking","untagged":true}`}
	if code := cli.Run(ctx, args, strings.NewReader(""), &out, &errs); code != 0 {
		t.Fatalf("-open: exit %d: %s", code, errs.String())
	}
	var s inspect.Session
	if err := json.Unmarshal(out.Bytes(), &s); err != nil || s.ID == "" {
		t.Fatalf("-open: %v: %s", err, out.String())
	}

	base, _ := url.Parse(srv.URL)
	c := &goTracking{base: base, hc: srv.Client()}
	for i := range 12 {
		pb := conversion{ClickID: fmt.Sprintf("%024x", 0x5f1e2d3c4b5a6978+i), ActionID: fmt.Sprintf("ord-%d", i),
			Goal: []string{"1", "registration", "deposit"}[i%3], Secure: affise.TestToken, IP: "203.0.113.7",
			Status: []int{1, 2, 3, 5}[i%4]}
		if pb.Goal == "deposit" {
			pb.Sum, pb.CustomFields[0] = 100.5+float64(i), "USD"
		}
		if err := c.do(ctx, pb); err != nil {
			t.Fatalf("conversion %d: %v", i, err)
		}
	}

	ic, err := inspect.NewClient(srv.URL, srv.Client())
	if err != nil {
		t.Fatal(err)
	}
	entries, err := ic.WithToken("tok").All(ctx, inspect.Query{Session: s.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 12 {
		t.Fatalf("journal: got %d entries, want 12", len(entries))
	}
	for _, e := range entries {
		if e.Profile != affise.Name || e.Method != http.MethodGet || e.Status != http.StatusOK {
			t.Errorf("entry %d: got %s %s %s %d, want affise GET 200", e.Seq, e.Profile, e.Method, e.Path, e.Status)
		}
		if !strings.Contains(e.Query, "click_id=") || strings.Contains(e.Query, affise.TestToken) {
			t.Errorf("entry %d: query %q, want the query as sent with the secure token redacted", e.Seq, e.Query)
		}
	}

	out.Reset()
	errs.Reset()
	args = []string{"s2s", "verify", "-mock", srv.URL, "-admin-token", "tok", "-session", s.ID, "-format", "json"}
	code := cli.Run(ctx, args, strings.NewReader(""), &out, &errs)
	var r verify.Result
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		t.Fatalf("verify: exit %d: %v\n%s\n%s", code, err, out.String(), errs.String())
	}
	if code != 0 || r.Verdict != verify.Certified {
		t.Errorf("verify: exit %d verdict %q, want 0 %q\n%s", code, r.Verdict, verify.Certified, out.String())
	}
}

// TestKeitaroStyleReceiverCertifiedWithParams: a receiver that names the
// parameters its own way (subid, payout, tid: a mock configured so) is
// certified by `s2s conform` given the same params, and not without them.
func TestKeitaroStyleReceiverCertifiedWithParams(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "keitaro.yaml")
	if err := os.WriteFile(cfg, []byte("profiles:\n  affise:\n    params: {click_id: subid, sum: payout, action_id: tid}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var mc mockserver.Config
	if err := configfile.Decode([]byte("profiles:\n  affise:\n    params: {click_id: subid, sum: payout, action_id: tid}\n"), "yaml", &mc); err != nil {
		t.Fatal(err)
	}
	m, err := mockserver.New(builtin.All(), mockserver.WithConfig(mc))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"-config", cfg}, 0},
		{nil, 3}, // NOT CERTIFIED: the receiver refuses click_id
	} {
		var out, errs bytes.Buffer
		args := append([]string{"s2s", "conform", "-target", srv.URL, "-profile", affise.Name, "-q"}, tc.args...)
		if code := cli.Run(context.Background(), args, strings.NewReader(""), &out, &errs); code != tc.code {
			t.Errorf("%v: exit %d, want %d\n%s%s", tc.args, code, tc.code, out.String(), errs.String())
		}
	}
}
