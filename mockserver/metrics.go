package mockserver

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the mock's Prometheus series, on a registry of its own.
type metrics struct {
	requests   *prometheus.CounterVec   // profile, endpoint, status
	violations *prometheus.CounterVec   // profile, rule
	faults     *prometheus.CounterVec   // profile, kind
	latency    *prometheus.HistogramVec // profile, endpoint
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "s2s", Subsystem: "mock", Name: "requests_total",
			Help: "Requests answered, by profile, endpoint and HTTP status.",
		}, []string{"profile", "endpoint", "status"}),
		violations: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "s2s", Subsystem: "mock", Name: "violations_total",
			Help: "Requests that broke a rule (rejected or reported), by profile and rule ID.",
		}, []string{"profile", "rule"}),
		faults: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "s2s", Subsystem: "mock", Name: "faults_total",
			Help: "Faults injected, by profile and kind (error, reset, latency, stall).",
		}, []string{"profile", "kind"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "s2s", Subsystem: "mock", Name: "request_duration_seconds",
			Help:    "Time from the request's arrival to its answer, injected faults included.",
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"profile", "endpoint"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.violations, m.faults, m.latency} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	// The runtime series are shared by whatever else uses the registry.
	for _, c := range []prometheus.Collector{collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{})} {
		if err := reg.Register(c); err != nil && !errors.As(err, new(prometheus.AlreadyRegisteredError)) {
			return nil, fmt.Errorf("metrics: %w", err)
		}
	}
	return m, nil
}

// unrouted counts an answer given outside any endpoint (404, 500).
func (m *metrics) unrouted(status int) {
	m.requests.WithLabelValues("", "", statusKey(status)).Inc()
}

// series caches one endpoint's series, so the hot path skips the label lookups.
type series struct {
	m                 *metrics
	profile, endpoint string
	latency           prometheus.Observer
	mu                sync.RWMutex
	byStatus          map[int]prometheus.Counter
}

func (m *metrics) series(profile, endpoint string) *series {
	return &series{m: m, profile: profile, endpoint: endpoint, byStatus: map[int]prometheus.Counter{},
		latency: m.latency.WithLabelValues(profile, endpoint)}
}

func (s *series) observe(status int, took time.Duration, rules []string) {
	s.mu.RLock()
	c, ok := s.byStatus[status]
	s.mu.RUnlock()
	if !ok {
		c = s.m.requests.WithLabelValues(s.profile, s.endpoint, statusKey(status))
		s.mu.Lock()
		s.byStatus[status] = c
		s.mu.Unlock()
	}
	c.Inc()
	s.latency.Observe(took.Seconds())
	for _, r := range rules {
		s.m.violations.WithLabelValues(s.profile, r).Inc()
	}
}
