package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"strconv"
	"time"

	"github.com/brianvoe/gofakeit/v6"
)

// Gen is the seeded source every generator draws from: same seed and reference
// time, same bytes. It is not safe for concurrent use.
type Gen struct {
	Faker  *gofakeit.Faker
	Now    time.Time // reference "now" for event times
	run    string
	n      uint64
	seed   int64
	agents []any // UserAgent's pool, drawn on first use
}

// gofakeit treats seed 0 as "seed from crypto/rand"; we never want that.
const zeroSeed = 0x5eed

// NewGen returns a generator seeded with seed whose events happen around now.
func NewGen(seed int64, now time.Time) *Gen {
	if seed == 0 {
		seed = zeroSeed
	}
	f := gofakeit.NewUnlocked(seed) // New's sequence, without a mutex per draw: a Gen is not shared
	return &Gen{Faker: f, Now: now.UTC(), run: fmt.Sprintf("%06x", f.Uint32()&0xffffff), seed: seed}
}

// ID returns a new identifier with prefix, unique among this generator's ids and,
// with high probability, across seeds.
func (g *Gen) ID(prefix string) string {
	g.n++
	var buf [48]byte // one allocation, the string's (fmt.Sprintf cost more than the rest of it)
	b := append(buf[:0], prefix...)
	b = append(b, '_')
	b = append(b, g.run...)
	return string(strconv.AppendUint(b, g.n, 10))
}

// userAgents is the size of a generator's pool of user agents.
const userAgents = 128

// UserAgent returns a browser's user agent from a pool of userAgents drawn
// once per generator: gofakeit builds each one with several fmt.Sprintf
// calls, a tenth of the load engine's CPU at its maximum rate, and a hundred
// browsers per seed is as realistic a mix. The pool comes from its own
// source seeded from the generator's seed, so that building it shifts no
// other value: same seed, same bytes.
func (g *Gen) UserAgent() string { return g.Pick(g.UserAgents()).(string) }

// UserAgents is UserAgent's pool, each a string, boxed once: g.Pick of it is
// UserAgent's draw without an allocation for a map[string]any.
func (g *Gen) UserAgents() []any {
	if g.agents == nil {
		seed := g.seed ^ 0x0a9e475
		if seed == 0 {
			seed = zeroSeed
		}
		f := gofakeit.NewUnlocked(seed)
		g.agents = make([]any, userAgents)
		for i := range g.agents {
			g.agents[i] = f.UserAgent()
		}
	}
	return g.agents
}

// IPv4 is Faker.IPv4Address, the same draws and the same text, without
// fmt: one allocation, the string's.
func (g *Gen) IPv4() string {
	var buf [15]byte
	b := buf[:0]
	for i := range 4 {
		if i > 0 {
			b = append(b, '.')
		}
		b = strconv.AppendInt(b, int64(g.Faker.Rand.Intn(256)), 10)
	}
	return string(b)
}

// IPv6 is Faker.IPv6Address, the same draws and the same text, without fmt.
func (g *Gen) IPv6() string {
	var buf [39]byte
	b := buf[:0]
	for i := range 8 {
		if i > 0 {
			b = append(b, ':')
		}
		b = strconv.AppendInt(b, int64(g.Faker.Rand.Intn(65536)), 16)
	}
	return string(b)
}

// Pick returns one of vs with Faker.RandomString's draw (a list of strings
// picks what RandomString would), already boxed: a value picked into a
// map[string]any costs no allocation.
func (g *Gen) Pick(vs []any) any {
	switch len(vs) {
	case 0:
		return ""
	case 1:
		return vs[0]
	}
	return vs[g.Faker.Rand.Intn(len(vs))]
}

// EventType generates valid events of one type.
type EventType struct {
	Name     string
	Endpoint string // the endpoint id it is sent to
	Weight   int    // relative share in a realistic mix
	Rule     string // the rule that names this event type, if any (PB-EVT-1)
	New      func(g *Gen) map[string]any
}

// Payload is a request a sender means to send, before it is signed.
type Payload struct {
	Profile    string            `json:"profile"`
	Endpoint   string            `json:"endpoint"`
	Event      string            `json:"event,omitempty"`
	Header     map[string]string `json:"headers,omitempty"`
	PathValues map[string]string `json:"path,omitempty"`
	Body       any               `json:"body,omitempty"`
	// Raw, when set, is sent verbatim instead of Body (malformed JSON cases).
	Raw string `json:"raw,omitempty"`
	// RawPath, when set, is sent verbatim as the request path instead of the
	// endpoint's path with PathValues escaped into it (percent-encoding cases).
	RawPath string `json:"raw_path,omitempty"`
}

// Bytes returns the body bytes.
func (p *Payload) Bytes() ([]byte, error) {
	if p.Raw != "" {
		return []byte(p.Raw), nil
	}
	// Encoded on the stack, then copied out at its size: a fresh 512-byte
	// buffer per body wasted a third of it on most events and grew twice on
	// larger ones (a batch still grows onto the heap, as before).
	var scratch [1024]byte
	if b, ok := appendJSON(scratch[:0], p.Body); ok {
		return bytes.Clone(b), nil
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p.Body); err != nil {
		return nil, fmt.Errorf("payload body: %w", err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Clone returns a deep copy, so a mutation never touches its base.
func (p *Payload) Clone() *Payload {
	c := *p
	c.Header = maps.Clone(p.Header)
	c.PathValues = maps.Clone(p.PathValues)
	c.Body = DeepCopy(p.Body)
	return &c
}

// Object returns the body as a JSON object (or the first item of a batch body
// when items is true), or nil.
func (p *Payload) Object() map[string]any {
	m, _ := p.Body.(map[string]any)
	return m
}

// DeepCopy copies a decoded JSON value.
func DeepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(v))
		for k, x := range v {
			m[k] = DeepCopy(x)
		}
		return m
	case []any:
		s := make([]any, len(v))
		for i, x := range v {
			s[i] = DeepCopy(x)
		}
		return s
	}
	return v
}

// Expect is what a receiver must do with a case.
type Expect int

const (
	// Reject: rejected in both modes, for the case's rule.
	Reject Expect = iota
	// RejectStrict: rejected in strict mode; accepted in lenient mode with the
	// rule reported.
	RejectStrict
	// Accept: accepted in both modes (an advisory rule may be reported).
	Accept
	// AcceptDropped: answered as accepted in both modes, but not recorded.
	AcceptDropped
)

func (e Expect) String() string {
	switch e {
	case Reject:
		return "reject"
	case RejectStrict:
		return "reject-strict"
	case Accept:
		return "accept"
	case AcceptDropped:
		return "accept-dropped"
	}
	return fmt.Sprintf("expect(%d)", int(e))
}

// Case is a hand-written variant of a valid payload, labelled with the one rule
// it exercises.
type Case struct {
	Rule     string
	Code     string // the documented error code a rejection carries, when it differs from the rule's
	Name     string
	Event    string // event type of the base payload; "" for the profile's first
	Endpoint string // "" for the event type's endpoint
	Expect   Expect
	Mutate   func(p *Payload, g *Gen)
	// Also lists other rules the case exercises without being their violation
	// (the ambiguity it is a reading of): conformance labels and coverage only.
	Also []string
	// Ground is why a receiver must answer as Expect says (zero: the
	// profile's Grounds for the rule and KindCase, then the rule).
	Ground Ground
}

// TimeCase is a worked example of a recorded-time rule: an event stating
// EventTime ("" for none), received at Received, is recorded at Recorded.
type TimeCase struct {
	Rule      string
	Name      string
	Field     string // the body member carrying the event time
	EventTime string
	Received  time.Time
	Recorded  time.Time
}

// LiveTimeCase is a worked example of the recorded-time rule whose answer
// follows from the real clock, so it runs without moving the receiver's
// clock: the event states now − Age (a negative Age is in the future), or no
// time with NoTime, and is recorded at that time (AtEvent) or when received.
type LiveTimeCase struct {
	Rule    string
	Name    string
	Field   string                 // the body member carrying the event time
	Format  func(time.Time) string // how the member writes a time
	Age     time.Duration
	NoTime  bool
	AtEvent bool
}
