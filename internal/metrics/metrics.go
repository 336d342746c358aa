// Package metrics holds swarmbot's Prometheus metrics, one registry per
// process (not the global one, so tests can each have their own).
//
// Every method is safe on a nil *Metrics, so packages record without checking
// whether the process exposes metrics at all.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics is the set of swarmbot's metrics.
type Metrics struct {
	reg *prometheus.Registry

	commands       *prometheus.CounterVec
	ackLatency     prometheus.Histogram
	slackCalls     *prometheus.CounterVec
	slackLimited   *prometheus.CounterVec
	engineCalls    *prometheus.CounterVec
	engineLatency  *prometheus.HistogramVec
	operations     prometheus.Gauge
	lockConflicts  prometheus.Counter
	approvals      *prometheus.CounterVec
	socketConnects prometheus.Counter
}

// New returns a fresh set of metrics on its own registry.
func New() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		commands: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "swarmbot_commands_total", Help: "Commands received, by verb and outcome (ok, failed, refused, approval (waiting for one), usage, busy).",
		}, []string{"verb", "outcome"}),
		ackLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "swarmbot_ack_latency_seconds", Help: "Time from receiving a Slack envelope to acknowledging it.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		slackCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "swarmbot_slack_api_calls_total", Help: "Slack Web API calls, by method and result (ok, error, ratelimited).",
		}, []string{"method", "result"}),
		slackLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "swarmbot_slack_ratelimited_total", Help: "Slack 429 answers, by method.",
		}, []string{"method"}),
		engineCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "swarmbot_engine_api_calls_total", Help: "Docker Engine API calls, by call and result (ok, error).",
		}, []string{"call", "result"}),
		engineLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "swarmbot_engine_api_latency_seconds", Help: "Docker Engine API call latency, by call.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"call"}),
		operations: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "swarmbot_operations_in_flight", Help: "Changes being followed by this process.",
		}),
		lockConflicts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "swarmbot_lock_conflicts_total", Help: "Changes refused because someone else holds the lock.",
		}),
		approvals: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "swarmbot_approvals_total", Help: "Approval requests, by outcome (requested, approved, denied, expired, refused).",
		}, []string{"outcome"}),
		socketConnects: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "swarmbot_slack_socket_connects_total", Help: "Socket-mode connections opened (reconnects included).",
		}),
	}
	m.reg.MustRegister(m.commands, m.ackLatency, m.slackCalls, m.slackLimited, m.engineCalls, m.engineLatency,
		m.operations, m.lockConflicts, m.approvals, m.socketConnects,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves the metrics in Prometheus' text format.
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return http.NotFoundHandler()
	}
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}

// Command counts a command by verb and outcome.
func (m *Metrics) Command(verb, outcome string) {
	if m != nil {
		m.commands.WithLabelValues(verb, outcome).Inc()
	}
}

// Ack records how long an acknowledgement took.
func (m *Metrics) Ack(d time.Duration) {
	if m != nil {
		m.ackLatency.Observe(d.Seconds())
	}
}

// SlackCall counts a Slack Web API call; result is ok, error or ratelimited.
func (m *Metrics) SlackCall(method, result string) {
	if m == nil {
		return
	}
	m.slackCalls.WithLabelValues(method, result).Inc()
	if result == "ratelimited" {
		m.slackLimited.WithLabelValues(method).Inc()
	}
}

// SocketConnect counts a socket-mode connection.
func (m *Metrics) SocketConnect() {
	if m != nil {
		m.socketConnects.Inc()
	}
}

// EngineCall records one Docker Engine API call.
func (m *Metrics) EngineCall(call string, d time.Duration, err error) {
	if m == nil {
		return
	}
	result := "ok"
	if err != nil {
		result = "error"
	}
	m.engineCalls.WithLabelValues(call, result).Inc()
	m.engineLatency.WithLabelValues(call).Observe(d.Seconds())
}

// OperationStarted and OperationEnded keep the in-flight gauge.
func (m *Metrics) OperationStarted() {
	if m != nil {
		m.operations.Inc()
	}
}

// OperationEnded is OperationStarted's pair.
func (m *Metrics) OperationEnded() {
	if m != nil {
		m.operations.Dec()
	}
}

// LockConflict counts a change refused because the lock is held.
func (m *Metrics) LockConflict() {
	if m != nil {
		m.lockConflicts.Inc()
	}
}

// Approval counts an approval outcome.
func (m *Metrics) Approval(outcome string) {
	if m != nil {
		m.approvals.WithLabelValues(outcome).Inc()
	}
}
