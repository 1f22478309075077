package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/s2s-harness/s2s-harness/load"
)

// The deployment files under deploy/ run s2s command lines; they must stay
// true to the CLI's real flags.

const deployDir = "../../deploy"

// image is the name the deployment files give the s2s image.
const image = "s2s-harness:local"

// flagSet is a command's real flag set: the command run with -h and a sink
// that takes the set instead of printing the help.
func flagSet(t *testing.T, cmd ...string) *flag.FlagSet {
	t.Helper()
	var fs *flag.FlagSet
	env := &Env{Stdin: strings.NewReader(""), Stdout: io.Discard, Stderr: io.Discard,
		Getenv: func(string) string { return "" }, IsTerminal: func(io.Writer) bool { return false },
		flagSink: func(s *flag.FlagSet) { fs = s }}
	args := append(append([]string{"s2s"}, cmd...), "-h")
	if code := run(context.Background(), env, args); code != ExitOK || fs == nil {
		t.Fatalf("s2s %s -h: exit %d, no flag set", strings.Join(cmd, " "), code)
	}
	return fs
}

// indexVar stands for the Indexed Job's $(JOB_COMPLETION_INDEX).
var indexVar = regexp.MustCompile(`\$\(JOB_COMPLETION_INDEX\)`)

// checkArgs parses one s2s command line (without the program name) with the
// command's real flag set, the Job index standing at 0, and returns the
// values of the flags it sets, as written ("" holds the positional
// arguments of load merge).
func checkArgs(t *testing.T, where string, argv []string) map[string]string {
	t.Helper()
	if len(argv) == 0 {
		t.Errorf("%s: empty s2s command line", where)
		return nil
	}
	cmd := argv[:1]
	if argv[0] == "load" && len(argv) > 1 && argv[1] == "merge" {
		cmd = argv[:2]
	}
	fs := flagSet(t, cmd...)
	rest := argv[len(cmd):]
	concrete := make([]string, len(rest))
	for i, a := range rest {
		concrete[i] = indexVar.ReplaceAllString(a, "0")
	}
	if err := fs.Parse(concrete); err != nil {
		t.Errorf("%s: s2s %s %s: %v", where, strings.Join(cmd, " "), strings.Join(rest, " "), err)
		return nil
	}
	vals := map[string]string{}
	// The values as written (with the index variable), in order.
	for i := 0; i < len(rest); i++ {
		name, val, ok := strings.Cut(strings.TrimLeft(rest[i], "-"), "=")
		if !strings.HasPrefix(rest[i], "-") || i >= len(rest)-fs.NArg() {
			break
		}
		f := fs.Lookup(name)
		if f == nil {
			break
		}
		if b, isBool := f.Value.(interface{ IsBoolFlag() bool }); !ok && !(isBool && b.IsBoolFlag()) {
			i++
			val = rest[i]
		}
		vals[name] = val
	}
	if fs.NArg() > 0 {
		if len(cmd) == 1 {
			t.Errorf("%s: s2s %s takes no arguments, got %q", where, cmd[0], fs.Args())
		}
		vals[""] = strings.Join(rest[len(rest)-fs.NArg():], " ")
	}
	return vals
}

func strs(t *testing.T, where string, v any) []string {
	t.Helper()
	l, ok := v.([]any)
	if !ok {
		t.Fatalf("%s: want a list of strings, got %T", where, v)
	}
	out := make([]string, len(l))
	for i, x := range l {
		out[i] = fmt.Sprint(x)
	}
	return out
}

func TestDockerfileCommand(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var entry, cmd []string
	for _, line := range strings.Split(string(data), "\n") {
		if s, ok := strings.CutPrefix(line, "ENTRYPOINT "); ok {
			if err := json.Unmarshal([]byte(s), &entry); err != nil {
				t.Fatalf("ENTRYPOINT: %v", err)
			}
		}
		if s, ok := strings.CutPrefix(line, "CMD "); ok {
			if err := json.Unmarshal([]byte(s), &cmd); err != nil {
				t.Fatalf("CMD: %v", err)
			}
		}
	}
	if len(entry) != 1 || filepath.Base(entry[0]) != "s2s" {
		t.Fatalf("ENTRYPOINT %q: want the s2s binary alone", entry)
	}
	if !strings.Contains(string(data), "CGO_ENABLED=0") || !strings.Contains(string(data), "USER nonroot") {
		t.Error("Dockerfile: want a static binary (CGO_ENABLED=0) run as a non-root user")
	}
	checkArgs(t, "Dockerfile CMD", cmd)
}

func TestComposeCommands(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(deployDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]map[string]any `yaml:"services"`
	}
	if err := yaml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for name, svc := range doc.Services {
		if svc["image"] != image {
			continue
		}
		vals := checkArgs(t, "compose service "+name, strs(t, name, svc["command"]))
		seen[strs(t, name, svc["command"])[0]]++
		if store, ok := vals["store"]; ok && !strings.HasPrefix(store, "redis://redis:") {
			t.Errorf("compose service %s: -store %s is not the compose Redis", name, store)
		}
	}
	if seen["mock"] == 0 || seen["load"] == 0 {
		t.Errorf("compose: want a mock and a load runner, got %v", seen)
	}
}

// k8sDocs reads every manifest of deploy/k8s.
func k8sDocs(t *testing.T) map[string][]map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(deployDir, "k8s", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/k8s (%v)", err)
	}
	out := map[string][]map[string]any{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		dec := yaml.NewDecoder(bytes.NewReader(data))
		for {
			var doc map[string]any
			if err := dec.Decode(&doc); err != nil {
				if err.Error() == "EOF" {
					break
				}
				t.Fatalf("%s: %v", f, err)
			}
			if doc == nil {
				continue
			}
			for _, k := range []string{"apiVersion", "kind", "metadata"} {
				if doc[k] == nil {
					t.Errorf("%s: a document without %s", f, k)
				}
			}
			kind := fmt.Sprint(doc["kind"])
			out[kind] = append(out[kind], doc)
		}
	}
	return out
}

func dig(v any, path ...string) any {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

func name(doc map[string]any) string { return fmt.Sprint(dig(doc, "metadata", "name")) }

// s2sContainers returns the command lines of the s2s containers of a workload.
func s2sContainers(t *testing.T, doc map[string]any) [][]string {
	var out [][]string
	cs, _ := dig(doc, "spec", "template", "spec", "containers").([]any)
	for _, c := range cs {
		if dig(c, "image") != image {
			continue
		}
		if dig(c, "command") != nil {
			t.Errorf("%s: set args, not command: the image's entrypoint is s2s", name(doc))
		}
		out = append(out, strs(t, name(doc), dig(c, "args")))
	}
	return out
}

func TestKubernetesManifests(t *testing.T) {
	docs := k8sDocs(t)
	services := map[string]bool{}
	for _, s := range docs["Service"] {
		services[name(s)] = true
	}
	var mocks int
	for _, d := range docs["Deployment"] {
		for _, argv := range s2sContainers(t, d) {
			vals := checkArgs(t, "Deployment "+name(d), argv)
			if argv[0] != "mock" {
				continue
			}
			mocks++
			host := strings.TrimPrefix(vals["store"], "redis://")
			host, _, _ = strings.Cut(host, ":")
			if !services[host] {
				t.Errorf("Deployment %s: -store %q names no Service of the manifests", name(d), vals["store"])
			}
		}
	}
	if mocks == 0 {
		t.Error("no mock Deployment")
	}
	var shards int
	var shardDirs string
	for _, j := range docs["Job"] {
		for _, argv := range s2sContainers(t, j) {
			vals := checkArgs(t, "Job "+name(j), argv)
			if argv[0] != "load" {
				continue
			}
			if dirs, ok := vals[""]; ok { // the merge
				want := []string{}
				for i := range shards {
					want = append(want, indexVar.ReplaceAllString(shardDirs, strconv.Itoa(i)))
				}
				if shards == 0 || dirs != strings.Join(want, " ") {
					t.Errorf("Job %s merges %q, want the %d shards' folders %q", name(j), dirs, shards, want)
				}
				continue
			}
			if dig(j, "spec", "completionMode") != "Indexed" {
				t.Errorf("Job %s: a sharded load wants completionMode Indexed", name(j))
			}
			i, n, ok := strings.Cut(vals["shard"], "/")
			nn, err := strconv.Atoi(n)
			if !ok || i != "$(JOB_COMPLETION_INDEX)" || err != nil {
				t.Fatalf("Job %s: -shard %q, want $(JOB_COMPLETION_INDEX)/N", name(j), vals["shard"])
			}
			if _, err := load.ParseShard(indexVar.ReplaceAllString(vals["shard"], strconv.Itoa(nn-1))); err != nil {
				t.Errorf("Job %s: %v", name(j), err)
			}
			for _, k := range []string{"completions", "parallelism"} {
				if dig(j, "spec", k) != nn {
					t.Errorf("Job %s: %s %v, want %d as in -shard", name(j), k, dig(j, "spec", k), nn)
				}
			}
			if !indexVar.MatchString(vals["report-dir"]) {
				t.Errorf("Job %s: each shard wants a -report-dir of its own", name(j))
			}
			shards, shardDirs = nn, vals["report-dir"]
		}
	}
	if shards == 0 {
		t.Error("no sharded load Job")
	}
}
