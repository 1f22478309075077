package cli

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/s2s-harness/s2s-harness/internal/configfile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
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

// configError says an error of a config file in one style, whichever
// package found it:
//
//	FILE:LINE: KEY.PATH: want WHAT, got VALUE (did you mean "x"?)
//
// (the line when the key or the syntax error has one; the did-you-mean for
// an unknown profile name).
func configError(file string, data []byte, err error) string {
	msg := err.Error()
	for again := true; again; {
		again = false
		for _, p := range []string{"target config key ", "config key ", "target config: ", "config: ", "-config " + file + ": ", file + ": "} {
			if rest, ok := strings.CutPrefix(msg, p); ok {
				msg, again = rest, true
			}
		}
	}
	if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
		return fmt.Sprintf("%s:%s: %s", file, m[1], m[2])
	}
	line := ""
	if m := regexp.MustCompile(`^(.*?) \(line (\d+)\)(.*)$`).FindStringSubmatch(msg); m != nil {
		msg, line = m[1]+m[3], m[2]
	}
	if m := regexp.MustCompile(`^(.*); (did you mean "[^"]*"\?)$`).FindStringSubmatch(msg); m != nil {
		msg = m[1] + " (" + m[2] + ")" // one way to suggest, as for flags and commands
	}
	key, rest, ok := strings.Cut(msg, ": ")
	if kv := regexp.MustCompile(`^([\w.\[\]-]+) ("[^"]*"|\S+)$`).FindStringSubmatch(key); ok && kv != nil && strings.HasPrefix(rest, "want ") {
		key, rest = kv[1], rest+", got "+kv[2] // "limit 0: want ≥ 1"
	}
	if !ok || !regexp.MustCompile(`^[\w-]+(?:\.[\w-]+|\[\d+\])*$`).MatchString(key) {
		if line != "" {
			return fmt.Sprintf("%s:%s: %s", file, line, msg)
		}
		return fmt.Sprintf("%s: %s", file, msg)
	}
	last := key[strings.LastIndex(key, ".")+1:]
	if kv := regexp.MustCompile(`^(\S+) ("[^"]*"|\S+): (want .*)$`).FindStringSubmatch(rest); kv != nil && kv[1] == last {
		rest = kv[3] + ", got " + kv[2] // `mode "x": want …` under the key mode
	}
	if strings.HasPrefix(rest, "unknown profile") && strings.HasPrefix(key, "profiles.") && !strings.Contains(rest, "did you mean") {
		if near, ok := configfile.Nearest(last, builtin.Names()); ok {
			rest += fmt.Sprintf(" (did you mean %q?)", near)
		}
	}
	if line == "" {
		if n := configfile.KeyLine(data, key); n > 0 {
			line = strconv.Itoa(n)
		}
	}
	if line != "" {
		return fmt.Sprintf("%s:%s: %s: %s", file, line, key, rest)
	}
	return fmt.Sprintf("%s: %s: %s", file, key, rest)
}

// fileConfigError is configError for a caller that no longer holds the
// file's bytes: it reads them again for the lines.
func fileConfigError(path string, err error) string {
	data, _ := os.ReadFile(path) // unreadable: the error without lines
	return configError(path, data, err)
}
