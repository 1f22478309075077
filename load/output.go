package load

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Attempt is one request on the wire as live outputs see it, when it ends.
type Attempt struct {
	At        time.Time `json:"at"` // when it ended
	Endpoint  string    `json:"endpoint"`
	Class     string    `json:"class"` // 2xx, 4xx, 429, 5xx, timeout, connection, aborted
	Status    int       `json:"status,omitempty"`
	LatencyMS float64   `json:"latency_ms"` // from the scheduled send
	ServiceMS float64   `json:"service_ms"` // from the actual send
	Events    int       `json:"events"`
	Retry     bool      `json:"retry,omitempty"`
	Replay    bool      `json:"replay,omitempty"`
	Error     string    `json:"error,omitempty"`
}

// Output receives every attempt of a run while it runs, in the manner of
// k6's outputs: Start before the first attempt, Add from many goroutines,
// Stop after the last. The CLI maps `-out NAME=ARG` to one (see Outputs in
// internal/cli).
type Output interface {
	Start(ctx context.Context) error
	Add(Attempt)
	Stop() error
}

// JSONOutput writes one JSON object per line for every attempt, like
// vegeta's results stream.
type JSONOutput struct {
	mu  sync.Mutex
	bw  *bufio.Writer
	enc *json.Encoder
	err error
}

// NewJSONOutput writes to w (the caller closes w after Stop).
func NewJSONOutput(w io.Writer) *JSONOutput {
	bw := bufio.NewWriterSize(w, 64<<10)
	return &JSONOutput{bw: bw, enc: json.NewEncoder(bw)}
}

func (o *JSONOutput) Start(context.Context) error { return nil }

func (o *JSONOutput) Add(a Attempt) {
	o.mu.Lock()
	if o.err == nil {
		o.err = o.enc.Encode(a)
	}
	o.mu.Unlock()
}

// Stop flushes; it returns the first write error.
func (o *JSONOutput) Stop() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.bw.Flush(); o.err == nil {
		o.err = err
	}
	return o.err
}

// PrometheusOutput serves live metrics of the run on its own registry at
// http://ADDR/metrics while it runs: s2s_load_requests_total{profile,
// endpoint, class, status} and s2s_load_request_duration_seconds{profile,
// endpoint} (latency from the scheduled send). dashboards/s2s.json charts
// them beside the mock's s2s_mock_* series.
type PrometheusOutput struct {
	addr     string
	profile  string
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	srv      *http.Server
	ln       net.Listener
	done     chan struct{}
}

// NewPrometheusOutput listens on addr (e.g. 127.0.0.1:9464) once started.
func NewPrometheusOutput(addr, profile string) *PrometheusOutput {
	o := &PrometheusOutput{addr: addr, profile: profile, reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Namespace: "s2s", Subsystem: "load", Name: "requests_total",
			Help: "Attempts of the load run that ended, by profile, endpoint, class and HTTP status."},
			[]string{"profile", "endpoint", "class", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{Namespace: "s2s", Subsystem: "load", Name: "request_duration_seconds",
			Help:    "Latency of the load run's attempts, from the scheduled send time.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}},
			[]string{"profile", "endpoint"}),
	}
	o.reg.MustRegister(o.requests, o.latency)
	return o
}

// Registry is the output's own registry (for tests and embedding).
func (o *PrometheusOutput) Registry() *prometheus.Registry { return o.reg }

// Addr is the address it listens on, once started.
func (o *PrometheusOutput) Addr() string {
	if o.ln == nil {
		return o.addr
	}
	return o.ln.Addr().String()
}

func (o *PrometheusOutput) Start(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", o.addr)
	if err != nil {
		return fmt.Errorf("prometheus output: %w", err)
	}
	o.ln = ln
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(o.reg, promhttp.HandlerOpts{}))
	o.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	o.done = make(chan struct{})
	go func() {
		defer close(o.done)
		_ = o.srv.Serve(ln)
	}()
	return nil
}

func (o *PrometheusOutput) Add(a Attempt) {
	status := ""
	if a.Status != 0 {
		status = strconv.Itoa(a.Status)
	}
	o.requests.WithLabelValues(o.profile, a.Endpoint, a.Class, status).Inc()
	o.latency.WithLabelValues(o.profile, a.Endpoint).Observe(a.LatencyMS / 1000)
}

func (o *PrometheusOutput) Stop() error {
	if o.srv == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	err := o.srv.Shutdown(ctx)
	<-o.done
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}
