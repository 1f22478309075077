package configfile

import (
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// KeyLine is the line of the key path ("profiles.revosurge.rate_limit.limit",
// "credentials.apps[1].id") in a YAML or JSON document, for errors found
// after decoding; 0 when the document has no such key.
func KeyLine(data []byte, path string) int {
	var doc yaml.Node
	if yaml.Unmarshal(data, &doc) != nil || len(doc.Content) == 0 {
		return 0
	}
	n, line := doc.Content[0], 0
	index := regexp.MustCompile(`^(.*?)((?:\[\d+\])*)$`)
	for _, part := range strings.Split(path, ".") {
		m := index.FindStringSubmatch(part)
		if m[1] != "" {
			if n.Kind != yaml.MappingNode {
				return 0
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == m[1] {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return 0
			}
		}
		for _, ix := range regexp.MustCompile(`\d+`).FindAllString(m[2], -1) {
			i, _ := strconv.Atoi(ix)
			if n.Kind != yaml.SequenceNode || i >= len(n.Content) {
				return 0
			}
			n = n.Content[i]
			line = n.Line
		}
	}
	return line
}

// syntaxLine corrects yaml.v3's line for a parser error: it reports the
// zero-based line where the construct began (an unclosed flow mapping on
// line 3 reads "line 2"); scanner errors it reports right.
func syntaxLine(msg string) string {
	m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg)
	if m == nil {
		return msg
	}
	switch m[2] {
	case "did not find expected <document start>", "did not find expected node content", "did not find expected key",
		"did not find expected '-' indicator", "did not find expected ',' or ']'", "did not find expected ',' or '}'":
		n, _ := strconv.Atoi(m[1])
		return "line " + strconv.Itoa(n+1) + ": " + m[2]
	}
	return msg
}
