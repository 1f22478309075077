package cli

import (
	"flag"
	"fmt"
	"regexp"
	"time"
)

// flagError says a flag-parse error in our words, from what the flag wants:
// `-duration: want a duration like 60s, got "10"` rather than the flag
// package's `invalid value "10" for flag -duration: parse error`.
func flagError(fs *flag.FlagSet, err error) error {
	// The flag package's messages for a value a flag did not take, and for a
	// flag given last with no value.
	flagValueErr := regexp.MustCompile(`^invalid (?:boolean )?value "((?:[^"\\]|\\.)*)" for (?:flag )?-([^:]+): (.*)$`)
	flagArgErr := regexp.MustCompile(`^flag needs an argument: -(.+)$`)
	if m := flagValueErr.FindStringSubmatch(err.Error()); m != nil {
		want := flagWants(fs.Lookup(m[2]))
		if want == "" { // a Func flag: its own error says what it wants
			want = m[3]
		}
		return fmt.Errorf("-%s: %s, got \"%s\"", m[2], want, m[1])
	}
	if m := flagArgErr.FindStringSubmatch(err.Error()); m != nil {
		if want := flagWants(fs.Lookup(m[1])); want != "" {
			return fmt.Errorf("-%s needs a value: %s", m[1], want)
		}
		return fmt.Errorf("-%s needs a value", m[1])
	}
	return err
}

// flagWants describes the values a typed flag takes ("" for other flags).
func flagWants(f *flag.Flag) string {
	if f == nil {
		return ""
	}
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case time.Duration:
		return "want a duration like 60s, 500ms or 1m30s"
	case bool:
		return "want true or false"
	case int, int64:
		return "want a whole number"
	case uint, uint64:
		return "want a whole number ≥ 0"
	case float64:
		return "want a number"
	}
	return ""
}
