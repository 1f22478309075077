package conformance

import (
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/onsi/ginkgo/v2/types"
)

// labelFilterError says a label filter's syntax error in plain words: Ginkgo's
// own error renders its markup as ANSI colour codes, whatever the output is.
func labelFilterError(expr string, err error) error {
	var g types.GinkgoError
	if !errors.As(err, &g) {
		return fmt.Errorf("label filter %q: %w", expr, err)
	}
	markup := regexp.MustCompile(`\{\{[^}]*\}\}`)
	msg := g.Message
	where := ""
	if i := strings.Index(msg, "{{red}}"); i >= 0 && strings.Contains(msg, "{{/}}") {
		at := markup.ReplaceAllString(msg[i:strings.Index(msg, "{{/}}")+len("{{/}}")], "")
		where = fmt.Sprintf(" at %q (character %d)", at, len([]rune(markup.ReplaceAllString(msg[:i], "")))+1)
	}
	lines := strings.Split(strings.TrimSpace(markup.ReplaceAllString(msg, "")), "\n")
	why := strings.TrimSuffix(strings.TrimSpace(lines[len(lines)-1]), ".")
	if why != "" {
		why = strings.ToLower(why[:1]) + why[1:]
	}
	return fmt.Errorf("label filter %q: %s%s: %s (syntax: labels joined with &&, ||, ! and parentheses, e.g. 'MUST && !rate-limit')",
		expr, strings.ToLower(markup.ReplaceAllString(g.Heading, "")), where, why)
}
