package reports

import (
	"errors"
	"os"
	"os/signal" // breaks: only the CLI touches the process
)

var _ = signal.Ignore

func home() string {
	return os.Getenv("HOME") // breaks: only the CLI touches the process
}

func missing(err error) bool {
	return errors.Is(err, os.ErrNotExist) && os.PathSeparator == '/' // fine: values, not actions
}

func expand(s string, vars map[string]string) (string, string) {
	return os.Expand(s, func(k string) string { return vars[k] }), // fine: only the mapping given
		os.ExpandEnv(s) // breaks: reads the environment
}
