package inspectui_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/chromiumtest"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/reports"
)

var update = flag.Bool("update", false, "write the inspector's screenshots into docs/img")

const adminToken = "inspector-test-token"

// browser starts headless Chromium for one test (chromiumtest.Browser).
func browser(t *testing.T) context.Context {
	t.Helper()
	return chromiumtest.Browser(t, 1440, 900)
}

// mock serves every profile with the admin token and session certificates.
func mock(t *testing.T) *httptest.Server {
	t.Helper()
	ps := builtin.All()
	m, err := mockserver.New(ps, mockserver.WithConfig(mockserver.Config{AdminToken: adminToken}),
		mockserver.WithSessionReport(reports.SessionCertificate(ps, nil, "s2s test")), mockserver.WithVersion("test"))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	t.Cleanup(func() {
		srv.CloseClientConnections() // the page's event stream ends with its connection
		srv.Close()
	})
	return srv
}

// send posts a RevoSurge event with a wrong API key (RS-AUTH-2), tagged
// with session when it is not "", and returns the journal seq it got.
func send(t *testing.T, base, session, key string) uint64 {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/v2/s2s/event", strings.NewReader(`{"event_name":"login"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-API-Key", key)
	if session != "" {
		req.Header.Set(inspect.SessionHeader, session)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c, err := inspect.NewClient(base, nil)
	if err != nil {
		t.Fatal(err)
	}
	es, err := c.WithToken(adminToken).All(context.Background(), inspect.Query{})
	if err != nil || len(es) == 0 {
		t.Fatalf("journal: %v (%d entries)", err, len(es))
	}
	return es[len(es)-1].Seq
}

// wait polls a JavaScript condition until it holds, within a bound.
func wait(cond string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(chromedp.Poll[chromedp.Void](cond, chromedp.WithPollingTimeout(15*time.Second),
		chromedp.WithPollingInterval(50*time.Millisecond)))
}

// open loads the page and gives the token when it asks.
func open(base, hash string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(base+mockserver.UIPath+hash),
		chromedp.WaitVisible(chromedp.CSS("#token")),
		chromedp.SendKeys(chromedp.CSS("#token"), adminToken),
		chromedp.Click(chromedp.CSS("#token-submit")),
		wait(`document.querySelector("#conn").classList.contains("on")`),
	)
}

func row(seq uint64) string { return fmt.Sprintf(`tr.row[data-seq="%d"]`, seq) }

func TestTokenPromptGuardsThePage(t *testing.T) {
	t.Parallel()
	ctx, srv := browser(t), mock(t)
	var appHidden bool
	err := chromedp.Do(ctx,
		chromedp.Navigate(srv.URL+mockserver.UIPath),
		chromedp.WaitVisible(chromedp.CSS("#token")),
	)
	if err != nil {
		t.Fatal(err)
	}
	appHidden = evaluate[bool](t, ctx, `document.getElementById("app").hidden`)
	if !appHidden {
		t.Fatal("the page shows the traffic before the token was given")
	}
	// A wrong token is refused and asked again, naming why.
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#token"), "wrong"),
		chromedp.Click(chromedp.CSS("#token-submit")),
		chromedp.WaitVisible(chromedp.CSS("#token-error")),
		wait(`document.getElementById("app").hidden && document.getElementById("token-dialog").open`),
	)
	if err != nil {
		t.Fatalf("a wrong token: %v", err)
	}
	// The right one opens the page and the stream; it is kept for the tab only.
	var kept string
	err = chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS("#token"), adminToken),
		chromedp.Click(chromedp.CSS("#token-submit")),
		wait(`!document.getElementById("app").hidden && document.querySelector("#conn").classList.contains("on")`),
	)
	if err != nil {
		t.Fatalf("the right token: %v", err)
	}
	kept = evaluate[string](t, ctx, `(sessionStorage.getItem("s2s-admin-token") || "") + "|" + (localStorage.getItem("s2s-admin-token") || "")`)
	if kept != adminToken+"|" {
		t.Errorf("token kept as %q, want it in sessionStorage only", kept)
	}
	// Without a ticket the stream itself is refused.
	resp, err := http.Get(srv.URL + mockserver.UIPath + "api/stream")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("stream without a ticket: %d, want 401", resp.StatusCode)
	}
}

func TestRequestAppearsWithItsRuleAndFiltersHideIt(t *testing.T) {
	t.Parallel()
	ctx, srv := browser(t), mock(t)
	if err := chromedp.Do(ctx, open(srv.URL, "")); err != nil {
		t.Fatal(err)
	}
	if *update {
		traffic(t, srv.URL)
	}
	// Sent after the page opened: it must arrive through the stream.
	seq := send(t, srv.URL, "", "not-a-key")
	var decision string
	err := chromedp.Do(ctx,
		wait(fmt.Sprintf(`!!document.querySelector('%s .rule.deciding') && document.querySelector('%s .rule.deciding').textContent === "RS-AUTH-2"`, row(seq), row(seq))),
		chromedp.Click(chromedp.CSS(row(seq))),
		chromedp.WaitVisible(chromedp.CSS(".decision blockquote")),
	)
	if err != nil {
		t.Fatalf("the request did not appear with its rule: %v", err)
	}
	decision = evaluate[string](t, ctx, `document.querySelector(".decision").innerText`)
	for _, want := range []string{"RS-AUTH-2", "MUST", "X-API-Key", "RevoSurge server events API (seed 000)"} {
		if !strings.Contains(decision, want) {
			t.Errorf("the deciding rule shows %q, lacking %q", decision, want)
		}
	}
	headers := evaluate[string](t, ctx, `document.querySelector("tr.detail").innerText`)
	if strings.Contains(headers, "not-a-key") || !strings.Contains(headers, "<redacted>") {
		t.Errorf("the detail shows the key unredacted:\n%s", headers)
	}
	if !strings.Contains(headers, "curl -sS -i -X POST") {
		t.Errorf("the detail has no curl command:\n%s", headers)
	}
	if *update {
		shoot(t, ctx, "inspector.png")
	}
	hidden := func(h bool) string {
		return fmt.Sprintf(`document.querySelector('%s').hidden === %v`, row(seq), h)
	}
	err = chromedp.Do(ctx,
		chromedp.SetValue(chromedp.CSS("#f-outcome"), "accepted"),
		chromedp.Steps(chromedp.Evaluate[chromedp.Void](`void document.getElementById("f-outcome").dispatchEvent(new Event("change", {bubbles: true}))`)),
		wait(hidden(true)),
		chromedp.SetValue(chromedp.CSS("#f-outcome"), "rejected"),
		chromedp.Steps(chromedp.Evaluate[chromedp.Void](`void document.getElementById("f-outcome").dispatchEvent(new Event("change", {bubbles: true}))`)),
		wait(hidden(false)),
		chromedp.SendKeys(chromedp.CSS("#f-rule"), "G1-"),
		wait(hidden(true)),
	)
	if err != nil {
		t.Fatalf("the filters did not hide the request: %v", err)
	}
}

func TestSessionPageShowsItsTrafficAndVerdict(t *testing.T) {
	t.Parallel()
	ctx, srv := browser(t), mock(t)
	var hash string
	err := chromedp.Do(ctx, open(srv.URL, ""),
		chromedp.SendKeys(chromedp.CSS("#s-name"), "team-a"),
		chromedp.Click(chromedp.CSS("#s-untagged")), // tagged requests only
		chromedp.Click(chromedp.CSS("#s-open")),
		wait(`location.hash.startsWith("#session/") && !document.getElementById("session-view").hidden`),
	)
	if err != nil {
		t.Fatalf("opening a session from the page: %v", err)
	}
	hash = evaluate[string](t, ctx, `location.hash`)
	id := strings.TrimPrefix(hash, "#session/")
	mine := send(t, srv.URL, id, "not-a-key")
	other := send(t, srv.URL, "someone-else", "not-a-key")
	untagged := send(t, srv.URL, "", "not-a-key")
	err = chromedp.Do(ctx,
		wait(fmt.Sprintf(`!!document.querySelector('%s') && !document.querySelector('%s').hidden`, row(mine), row(mine))),
		wait(fmt.Sprintf(`!!document.querySelector('%s') && document.querySelector('%s').hidden`, row(other), row(other))),
		wait(fmt.Sprintf(`!!document.querySelector('%s') && document.querySelector('%s').hidden`, row(untagged), row(untagged))),
		// Its sender certificate follows its traffic: one request that broke a MUST rule.
		wait(`document.getElementById("sv-verdict").textContent === "not certified · 1 request"`),
		wait(`document.getElementById("sv-cert").srcdoc.includes("RS-AUTH-2")`),
	)
	if err != nil {
		t.Fatalf("the session's page: %v", err)
	}
	if *update {
		shoot(t, ctx, "inspector-session.png")
	}
}

// shoot writes a screenshot of the page into docs/img.
func shoot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "img", name)
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// evaluate runs a JavaScript expression and decodes its value.
func evaluate[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("%s: %v", expr, err)
	}
	return v
}

func TestClockAndFaultControls(t *testing.T) {
	t.Parallel()
	ctx, srv := browser(t), mock(t)
	c, err := inspect.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	c = c.WithToken(adminToken)
	err = chromedp.Do(ctx, open(srv.URL, ""),
		chromedp.Click(chromedp.CSS("#clock-panel summary")),
		chromedp.SendKeys(chromedp.CSS("#c-offset"), "-1h"),
		chromedp.Click(chromedp.CSS("#c-off")),
		wait(`document.getElementById("clock-now").textContent.includes("offset -1h")`),
	)
	if err != nil {
		t.Fatalf("offsetting the clock: %v", err)
	}
	if k, err := c.Clock(context.Background()); err != nil || k.Mode != "offset" {
		t.Errorf("clock after the page offset it: %+v, %v", k, err)
	}
	err = chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS("#faults-panel summary")),
		chromedp.SetValue(chromedp.CSS("#fa-profile"), "postback"),
		chromedp.SendKeys(chromedp.CSS("#fa-json"), `{"error_rate": 1, "error_status": 503}`),
		chromedp.Click(chromedp.CSS("#fa-apply")),
		wait(`document.getElementById("notice").textContent === "Faults of postback set."`),
	)
	if err != nil {
		t.Fatalf("setting faults: %v", err)
	}
	fs, err := c.Faults(context.Background())
	if err != nil || fs["postback"].ErrorRate != 1 || fs["postback"].ErrorStatus != 503 {
		t.Fatalf("faults after the page set them: %+v, %v", fs["postback"], err)
	}
	err = chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#fa-clear-all")),
		wait(`document.getElementById("notice").textContent === "Every profile's faults cleared."`))
	if err != nil {
		t.Fatalf("clearing faults: %v", err)
	}
	if fs, err := c.Faults(context.Background()); err != nil || fs["postback"].ErrorRate != 0 {
		t.Errorf("faults after the page cleared them: %+v, %v", fs["postback"], err)
	}
}
