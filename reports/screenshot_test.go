package reports

import (
	"bytes"
	"context"
	"flag"
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
	"github.com/s2s-harness/s2s-harness/load"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/verify"
)

var updateScreenshots = flag.Bool("update-screenshots", false, "render the three HTML reports in headless Chromium into docs/img")

// TestReportScreenshots renders the certificate, the sender certificate and
// the load report (the golden inputs) in headless Chromium into docs/img,
// for the docs and for people to check the one look by eye. Only with
// -update-screenshots: pixels are not asserted.
func TestReportScreenshots(t *testing.T) {
	if !*updateScreenshots {
		t.Skip("run with -update-screenshots to render the reports")
	}
	var cert, load, sender bytes.Buffer
	if err := CertificateHTML(&cert, sampleCertificate()); err != nil {
		t.Fatal(err)
	}
	if err := LoadHTML(&load, loadInput(t)); err != nil {
		t.Fatal(err)
	}
	if err := SenderHTML(&sender, senderInput(t)); err != nil {
		t.Fatal(err)
	}
	bctx := chromiumtest.Browser(t, 1200, 1000)
	dir := t.TempDir()
	var healthy bytes.Buffer
	if err := LoadHTML(&healthy, healthyInput(t)); err != nil {
		t.Fatal(err)
	}
	for name, page := range map[string][]byte{"report-certificate.png": cert.Bytes(), "report-load.png": load.Bytes(),
		"report-sender.png": sender.Bytes(), "report-load-chart.png": healthy.Bytes()} {
		file := filepath.Join(dir, strings.TrimSuffix(name, ".png")+".html")
		if err := os.WriteFile(file, page, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := chromedp.Do(bctx, chromedp.Navigate("file://"+file)); err != nil {
			t.Fatal(err)
		}
		shot := chromedp.CaptureScreenshot()
		if name == "report-load-chart.png" { // the latency chart alone
			shot = chromedp.Screenshot(chromedp.CSS("svg"))
		}
		png, err := chromedp.Run(bctx, shot)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join("..", "docs", "img", name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// senderInput is the sender certificate of a little real traffic: a good
// postback and a RevoSurge event with a wrong key.
func senderInput(t *testing.T) *verify.Result {
	t.Helper()
	ps := builtin.All()
	m, err := mockserver.New(ps)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m)
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v2/s2s/event", strings.NewReader(`{"event_name":"login"}`))
	req.Header.Set("X-API-Key", "wrong")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c, err := inspect.NewClient(srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	es, err := c.All(context.Background(), inspect.Query{})
	if err != nil {
		t.Fatal(err)
	}
	r := verify.Judge(es, ps, verify.Options{})
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	r.Tool, r.JudgedAt, r.Target = "s2s 0.1.0", &at, "http://127.0.0.1:8080"
	return r
}

// healthyInput is the golden load run made fast (about 1 ms against a
// 500 ms limit) and ending in two slices of stragglers: the chart's axis
// fits the data, the limit is marked at the edge, the stragglers are faint.
func healthyInput(t *testing.T) *load.Result {
	t.Helper()
	l := loadInput(t)
	for i := range l.Windows {
		w := &l.Windows[i]
		w.P50MS, w.P95MS, w.P99MS, w.MaxMS = w.P50MS/500, w.P95MS/500, w.P99MS/500, w.MaxMS/500
	}
	last := l.Windows[len(l.Windows)-1]
	for i, n := range []uint64{2, 1} {
		l.Windows = append(l.Windows, load.Window{StartS: last.StartS + float64(i+1)*l.WindowS, Requests: n, Rate: float64(n) / l.WindowS,
			Availability: 1, P50MS: 40, P95MS: 45, P99MS: 45, MaxMS: 45})
	}
	return l
}
