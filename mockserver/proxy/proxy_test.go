package proxy_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/mockserver"
	"github.com/s2s-harness/s2s-harness/mockserver/proxy"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
)

func TestHostsFromProfiles(t *testing.T) {
	got := proxy.Hosts(builtin.All())
	want := []string{"api2.appsflyer.com", "api3.appsflyer.com", "datapulse-api.revosurge.com", "h5.g123.jp", "h5.stg.g123.jp", "mobile.dingyue.io"}
	if !slices.Equal(got, want) {
		t.Errorf("Hosts = %v, want %v", got, want)
	}
}

// start runs a mock and its proxy on loopback ports; it returns the proxy's
// URL, the CA file and an inspection client of the mock.
func start(t *testing.T) (string, string, *inspect.Client) {
	t.Helper()
	m, err := mockserver.New(builtin.All())
	if err != nil {
		t.Fatal(err)
	}
	ca, err := proxy.NewCA(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- proxy.New(m, proxy.Hosts(builtin.All()), ca, nil).Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("proxy: %v", err)
		}
	})
	mln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = m.Serve(ctx, mln) }()
	c, err := inspect.NewClient("http://"+mln.Addr().String(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return "http://" + ln.Addr().String(), caFile, c
}

// TestUnmodifiedClient builds a client with a hard-coded production URL and
// runs it with HTTPS_PROXY and SSL_CERT_FILE only: its event is in the journal.
func TestUnmodifiedClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	proxyURL, caFile, insp := start(t)
	bin := filepath.Join(t.TempDir(), "client")
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command builds the client: %v", err)
	}
	build := exec.Command(gobin, "build", "-o", bin, "./testdata/client")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ps, _ := builtin.Select("appsflyer")
	gen, err := fixtures.NewGenerator(ps[0], fixtures.Options{Seed: 9, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := gen.Of("af_purchase", "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := pl.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, ps[0].Defaults.Apps[0].Secret)
	cmd.Env = append(os.Environ(), "HTTPS_PROXY="+proxyURL, "https_proxy="+proxyURL, "SSL_CERT_FILE="+caFile,
		"NO_PROXY=", "no_proxy=")
	cmd.Stdin = strings.NewReader(string(body))
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "200 ") {
		t.Fatalf("client: %v: %s", err, out)
	}
	es, err := insp.All(context.Background(), inspect.Query{Profile: "appsflyer"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Status != 200 || len(es[0].Events) != 1 || es[0].Events[0].Event != "af_purchase" {
		t.Fatalf("journal: %+v", es)
	}
}

// TestRefusesOtherHosts: CONNECT to any other host (or port) is 403, plain
// proxying 405; nothing is dialled.
func TestRefusesOtherHosts(t *testing.T) {
	proxyURL, caFile, _ := start(t)
	pem, _ := os.ReadFile(caFile)
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	u, _ := url.Parse(proxyURL)
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(u),
		TLSClientConfig: &tls.Config{RootCAs: roots}}}
	for _, target := range []string{"https://example.com/", "https://api2.appsflyer.com:8443/", "http://api2.appsflyer.com/"} {
		resp, err := hc.Get(target)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusMethodNotAllowed {
				t.Errorf("%s: %d, want refused", target, resp.StatusCode)
			}
			continue
		}
		if !strings.Contains(err.Error(), "Forbidden") {
			t.Errorf("%s: %v, want a 403 from the proxy", target, err)
		}
	}
	// A documented host is served, with a leaf the CA signed for it.
	resp, err := hc.Get("https://datapulse-api.revosurge.com/_s2s/health")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.PeerCertificates[0].DNSNames[0] != "datapulse-api.revosurge.com" {
		t.Errorf("documented host: %d %+v", resp.StatusCode, resp.TLS)
	}
}

// TestCurrentAppsFlyerHost: api3.appsflyer.com, AppsFlyer's current S2S host
// beside the seed's api2, is served through the proxy like the seed's host.
func TestCurrentAppsFlyerHost(t *testing.T) {
	proxyURL, caFile, insp := start(t)
	pem, err := os.ReadFile(caFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(pem)
	u, _ := url.Parse(proxyURL)
	hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(u),
		TLSClientConfig: &tls.Config{RootCAs: roots}}}
	ps, _ := builtin.Select("appsflyer")
	gen, err := fixtures.NewGenerator(ps[0], fixtures.Options{Seed: 11, Now: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := gen.Of("af_purchase", "")
	if err != nil {
		t.Fatal(err)
	}
	body, err := pl.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, "https://api3.appsflyer.com/inappevent/"+ps[0].Defaults.Apps[0].ID,
		strings.NewReader(string(body)))
	req.Header.Set("authentication", ps[0].Defaults.Apps[0].Secret)
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("api3 through the proxy: status %d, want 200", resp.StatusCode)
	}
	es, err := insp.All(context.Background(), inspect.Query{Profile: "appsflyer"})
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Status != 200 {
		t.Fatalf("journal: %+v", es)
	}
}
