package profile

import (
	"errors"
	"sort"
	"sync"

	"github.com/s2s-harness/s2s-harness/conformance" // breaks: profiles import no consumer
)

var (
	counter  int // breaks: state
	ErrGone  = errors.New("gone")
	Exported = []string{"a"} // breaks: importers can change it
	readOnly = map[string]int{"a": 1}
	pool     = &sync.Pool{} // breaks: shared state
	table    = []string{"a", "b"}
	sorted   = []string{"b", "a"}
	grown    = []string{}
	pointed  = [2]int{1, 2}
	names    = []string{"x"}
)

var _ = conformance.Z

//go:embed nothing
var files string

const Y = 1

func use() int {
	names := []string{"y"}
	names[0] = "z"             // fine: the local shadows the table
	counter++                  // breaks, again
	table[1] = "c"             // breaks
	sort.Strings(sorted)       // breaks
	grown = append(grown, "x") // breaks
	p := &pointed              // breaks
	_ = p
	_ = pool
	return readOnly["a"] + len(names) + len(Exported)
}
