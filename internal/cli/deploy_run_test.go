package cli

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"gopkg.in/yaml.v3"

	"github.com/s2s-harness/s2s-harness/inspect"
	"github.com/s2s-harness/s2s-harness/internal/exitcode"
	"github.com/s2s-harness/s2s-harness/internal/redistest"
	"github.com/s2s-harness/s2s-harness/load"
)

// The deployment recipes are started, not only parsed: every s2s command
// line of deploy/ runs as the real binary with the recipe's environment, on a
// free port, its Redis the recipe's redis-server command line on this
// machine, its volumes temporary folders; load runs are cut to 2 s at 50/s
// against the started mock on 127.0.0.1.

// recipeTimeout bounds every wait for a process of a recipe.
const recipeTimeout = 60 * time.Second

// buildS2S builds cmd/s2s into a temporary folder, once per test.
func buildS2S(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "s2s")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, "../../cmd/s2s")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0") // as the Dockerfile builds it
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// process is one running command line of a recipe.
type process struct {
	where     string
	argv      []string
	out, errs *lockedBuffer
	cmd       *exec.Cmd
	exited    chan struct{}
	code      int
}

// spawn starts bin with argv and only env (no variable of the test's own
// environment leaks in), in dir; the test's end stops it with SIGTERM and
// expects a graceful exit 0 from a process still running.
func spawn(t *testing.T, where, bin, dir string, argv []string, env map[string]string) *process {
	t.Helper()
	p := &process{where: where, argv: argv, out: &lockedBuffer{}, errs: &lockedBuffer{}, exited: make(chan struct{})}
	p.cmd = exec.Command(bin, argv...)
	p.cmd.Dir = dir
	p.cmd.Env = []string{}
	for k, v := range env {
		p.cmd.Env = append(p.cmd.Env, k+"="+v)
	}
	sort.Strings(p.cmd.Env)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.errs
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	go func() {
		_ = p.cmd.Wait()
		p.code = p.cmd.ProcessState.ExitCode()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
			return
		default:
		}
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
			if p.code != ExitOK {
				t.Errorf("%s: exit %d after SIGTERM, want 0 (graceful)\n%s", where, p.code, p.errs.String())
			}
		case <-time.After(recipeTimeout):
			_ = p.cmd.Process.Kill()
			<-p.exited
			t.Errorf("%s: still running %s after SIGTERM: killed", recipeTimeout, where)
		}
	})
	return p
}

// wait is the exit code of a process that ends by itself.
func (p *process) wait(t *testing.T) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.code
	case <-time.After(3 * recipeTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		t.Fatalf("%s: s2s %s did not end: killed\n%s", p.where, strings.Join(p.argv, " "), p.errs.String())
		return -1
	}
}

// mockUp is a started mock: its local base URL and admin token.
type mockUp struct {
	where, base, token string
}

// serveMock runs a recipe's mock command line (its -addr port replaced by a
// free one) and checks what any recipe promises: it listens, answers
// /_s2s/health, refuses /_s2s/journal without the admin token (its
// $S2S_ADMIN_TOKEN, or the one its banner shows) and accepts it with the
// token.
func serveMock(t *testing.T, where, bin string, argv []string, env map[string]string) mockUp {
	t.Helper()
	var p *process
	var base string
	for attempt := 1; ; attempt++ {
		p = spawn(t, where, bin, t.TempDir(), argv, env)
		base = "http://127.0.0.1:" + strconv.Itoa(addrPort(t, where, argv))
		err := poll(recipeTimeout, func() error {
			select {
			case <-p.exited:
				return nil // told below
			default:
			}
			resp, err := http.Get(base + "/_s2s/health")
			if err != nil {
				return err
			}
			var h inspect.Health
			err = json.NewDecoder(resp.Body).Decode(&h)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK || h.Status != "ok" {
				return fmt.Errorf("health: %d %+v %v", resp.StatusCode, h, err)
			}
			return nil
		})
		select {
		case <-p.exited:
			// Another process of this shared machine may take the free
			// port between its choice and the mock's listen.
			if attempt < 3 && strings.Contains(p.errs.String(), "address already in use") {
				argv = newPort(t, argv)
				continue
			}
			err = fmt.Errorf("exit %d", p.code)
		default:
		}
		if err != nil {
			t.Fatalf("%s: s2s %s does not serve (%v):\n%s\n%s", where, strings.Join(argv, " "), err, p.out.String(), p.errs.String())
		}
		break
	}
	token := env[adminTokenEnv]
	generated := bannerToken.FindStringSubmatch(p.out.String())
	switch {
	case token == "" && generated == nil:
		t.Fatalf("%s: no $%s and no generated token in the banner:\n%s", where, adminTokenEnv, p.out.String())
	case token == "":
		token = generated[1]
	case generated != nil:
		t.Errorf("%s: a token was generated though $%s is set", where, adminTokenEnv)
	}
	if got := journalStatus(t, base, ""); got != http.StatusUnauthorized {
		t.Errorf("%s: /_s2s/journal without the admin token: %d, want 401", where, got)
	}
	if got := journalStatus(t, base, token); got != http.StatusOK {
		t.Errorf("%s: /_s2s/journal with the admin token: %d, want 200", where, got)
	}
	return mockUp{where: where, base: base, token: token}
}

// addrPort is the port of a command line's -addr, after localize.
func addrPort(t *testing.T, where string, argv []string) int {
	t.Helper()
	_, p, err := net.SplitHostPort(argValue(argv, "-addr"))
	n, err2 := strconv.Atoi(p)
	if err != nil || err2 != nil {
		t.Fatalf("%s: no -addr host:port in %q", where, argv)
	}
	return n
}

// newPort gives a command line's -addr another free port.
func newPort(t *testing.T, argv []string) []string {
	out := slices.Clone(argv)
	for i := 0; i+1 < len(out); i++ {
		if out[i] == "-addr" {
			host, _, _ := net.SplitHostPort(out[i+1])
			out[i+1] = net.JoinHostPort(host, freePort(t))
		}
	}
	return out
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// localNames is how a recipe's names map to this machine.
type localNames struct {
	redisHost string            // the recipe's Redis host name, and
	redisAddr string            // where it runs here
	mockHost  string            // the recipe's mock host name (Service), and
	mockBase  string            // the started mock's base URL
	mounts    map[string]string // a container's mount path → a folder here
}

// localize rewrites a recipe's s2s command line to run here: -addr on a free
// port (its host kept: a reachable address must get a token), -store at the
// local Redis, -target at the started mock, load runs bounded, mount paths
// into folders.
func localize(t *testing.T, where string, argv []string, n localNames) []string {
	t.Helper()
	out := slices.Clone(argv)
	for i := 0; i < len(out); i++ {
		a := out[i]
		for mp, dir := range n.mounts {
			if a == mp || strings.HasPrefix(a, mp+"/") {
				out[i] = dir + strings.TrimPrefix(a, mp)
			}
		}
		if !strings.HasPrefix(a, "-") || i+1 == len(out) {
			continue
		}
		v := out[i+1]
		switch a {
		case "-addr":
			if _, _, err := net.SplitHostPort(v); err != nil {
				t.Fatalf("%s: -addr %q: %v", where, v, err)
			}
			i++ // newPort below
			continue
		case "-store":
			u, err := url.Parse(v)
			if err != nil || u.Hostname() != n.redisHost {
				t.Fatalf("%s: -store %q is not the recipe's Redis %q", where, v, n.redisHost)
			}
			u.Host = n.redisAddr
			out[i+1] = u.String()
		case "-target":
			u, err := url.Parse(v)
			if err != nil || u.Hostname() != n.mockHost || n.mockBase == "" {
				t.Fatalf("%s: -target %q is not the recipe's mock %q", where, v, n.mockHost)
			}
			out[i+1] = n.mockBase
		case "-duration":
			out[i+1] = "2s"
		case "-rate":
			out[i+1] = "50/s"
		default:
			continue
		}
		i++
	}
	return newPort(t, out)
}

// startRedis runs a recipe's Redis command line (redis-server and its
// options) on a free port and checks it persists with AOF.
func startRedis(t *testing.T, where string, argv []string) *redistest.Server {
	t.Helper()
	if len(argv) == 0 || argv[0] != "redis-server" {
		t.Fatalf("%s: command %q, want redis-server and its options", where, argv)
	}
	s, err := redistest.StartWith(redistest.Options{Args: argv[1:]})
	if errors.Is(err, redistest.ErrMissing) && os.Getenv("CI") == "" {
		t.Skip(err)
	}
	if err != nil {
		t.Fatalf("%s: %v", where, err)
	}
	t.Cleanup(s.Stop)
	c := redis.NewClient(&redis.Options{Addr: s.Addr})
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	got, err := c.ConfigGet(ctx, "appendonly").Result()
	if err != nil || got["appendonly"] != "yes" {
		t.Errorf("%s: appendonly %q (%v): want yes, the state kept over a restart of Redis", where, got["appendonly"], err)
	}
	return s
}

// redisDir is the folder a Redis command line keeps its files in (the
// image's /data by default).
func redisDir(argv []string) string {
	if d := argValue(argv, "--dir"); d != "" {
		return d
	}
	return "/data"
}

// checkShared sends an event to each replica and finds it in every other
// replica's journal: the replicas are one mock.
func checkShared(t *testing.T, mocks []mockUp) {
	t.Helper()
	if len(mocks) < 2 {
		t.Fatalf("%d replicas, want at least 2", len(mocks))
	}
	for i, from := range mocks {
		marker := fmt.Sprintf("shared-%d-%d", i, time.Now().UnixNano())
		body := `{"events":[{"name":"app_opened","user":"user_123456","sessionId":"` + marker + `"}]}`
		req, _ := http.NewRequest(http.MethodPost, from.base+"/users/report/events", strings.NewReader(body))
		for k, v := range map[string]string{"X-API-KEY": "dy_test_key_123", "X-USER-ID": "user_123456",
			"X-APP-ID": "com.example.app", "X-PLATFORM": "iOS", "X-VERSION": "1.0.0", "Content-Type": "application/json"} {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s: a Dingyue event: %d %s", from.where, resp.StatusCode, b)
		}
		for j, to := range mocks {
			if j == i {
				continue
			}
			c, err := inspect.NewClient(to.base, nil)
			if err != nil {
				t.Fatal(err)
			}
			page, err := c.WithToken(to.token).Journal(context.Background(), inspect.Query{Profile: "dingyue", Limit: 1000})
			if err != nil {
				t.Fatalf("%s: journal: %v", to.where, err)
			}
			if !slices.ContainsFunc(page.Entries, func(e inspect.Entry) bool { return strings.Contains(e.Body, marker) }) {
				t.Errorf("the event sent to %s is not in the journal of %s (%d entries): the replicas do not share one Redis",
					from.where, to.where, len(page.Entries))
			}
		}
	}
}

// recipeLoadRan waits for a recipe's load command line to end and checks
// it gave a verdict (not a usage error, not an inspection API that refused
// it: both exit otherwise) and wrote its report (reportFile, in the
// localized -report-dir).
func recipeLoadRan(t *testing.T, p *process, reportFile string) {
	t.Helper()
	code := p.wait(t)
	if !slices.Contains([]int{exitcode.OK, exitcode.SLABreached, exitcode.InvalidRun, exitcode.Inconclusive}, code) {
		t.Errorf("%s: s2s %s: exit %d, want a verdict\n%s\n%s", p.where, strings.Join(p.argv, " "), code, p.out.String(), p.errs.String())
		return
	}
	if _, err := os.Stat(filepath.Join(argValue(p.argv, "-report-dir"), reportFile)); err != nil {
		t.Errorf("%s: no report: %v", p.where, err)
	}
	t.Logf("%s: exit %d\n%s", p.where, code, p.out.String())
}

// dockerfileStage is the last stage of a Dockerfile: its entrypoint, command,
// environment and exposed ports.
type dockerfileStage struct {
	entry, cmd []string
	env        map[string]string
	expose     []string
}

func readDockerfile(t *testing.T) dockerfileStage {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(deployDir, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var st dockerfileStage
	for _, line := range strings.Split(string(data), "\n") {
		word, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		switch word {
		case "FROM":
			st = dockerfileStage{env: map[string]string{}}
		case "ENTRYPOINT", "CMD":
			var l []string
			if err := json.Unmarshal([]byte(rest), &l); err != nil {
				t.Fatalf("%s %s: want the exec (JSON) form: %v", word, rest, err)
			}
			if word == "CMD" {
				st.cmd = l
			} else {
				st.entry = l
			}
		case "ENV":
			for _, kv := range strings.Fields(rest) {
				k, v, ok := strings.Cut(kv, "=")
				if !ok {
					t.Fatalf("ENV %s: want KEY=VALUE", rest)
				}
				st.env[k] = strings.Trim(v, `"`)
			}
		case "EXPOSE":
			st.expose = append(st.expose, strings.Fields(rest)...)
		}
	}
	return st
}

// TestRecipesStartDockerfileComposeKubernetes starts every recipe of
// deploy/ with the real binary.
func TestRecipesStartDockerfileComposeKubernetes(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and starts the recipes; skipped with -short")
	}
	bin := buildS2S(t)
	t.Run("Dockerfile", func(t *testing.T) { startDockerfile(t, bin) })
	t.Run("Compose", func(t *testing.T) { startCompose(t, bin) })
	t.Run("Kubernetes", func(t *testing.T) { startKubernetes(t, bin) })
}

// startDockerfile: `docker run -p 8080:8080 image` with zero configuration.
func startDockerfile(t *testing.T, bin string) {
	st := readDockerfile(t)
	if len(st.entry) != 1 || len(st.cmd) == 0 || st.cmd[0] != "mock" {
		t.Fatalf("ENTRYPOINT %q CMD %q: want s2s and a mock command line", st.entry, st.cmd)
	}
	if _, port, _ := net.SplitHostPort(argValue(st.cmd, "-addr")); !slices.Contains(st.expose, port) {
		t.Errorf("CMD listens on port %q, EXPOSE says %q", port, st.expose)
	}
	if st.env[adminTokenEnv] != "" {
		t.Errorf("ENV %s is set in the image: every container would share a known token", adminTokenEnv)
	}
	env := mergeEnv(st.env, map[string]string{"HOME": t.TempDir()})
	serveMock(t, "Dockerfile CMD", bin, localize(t, "Dockerfile CMD", st.cmd, localNames{}), env)
}

// argValue is the value of a command line's flag name ("" when unset).
func argValue(argv []string, name string) string {
	for i := 0; i+1 < len(argv); i++ {
		if argv[i] == name {
			return argv[i+1]
		}
	}
	return ""
}

// mergeEnv merges maps, later ones winning.
func mergeEnv(ms ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range ms {
		for k, v := range m {
			out[k] = v
		}
	}
	return out
}

// composeVar is one of Compose's substitutions.
var composeVar = regexp.MustCompile(`\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))`)

// interpolate applies Compose's variable substitution: $$, $V, ${V},
// ${V:-default}, ${V-default}, ${V:?error}, ${V?error}.
func interpolate(s string, vars map[string]string) (string, error) {
	var err error
	out := composeVar.ReplaceAllStringFunc(s, func(m string) string {
		g := composeVar.FindStringSubmatch(m)
		if g[1] == "$" {
			return "$"
		}
		name := g[2] + g[5]
		v, set := vars[name]
		empty := v == ""
		switch g[3] {
		case ":-":
			if empty {
				return g[4]
			}
		case "-":
			if !set {
				return g[4]
			}
		case ":?", "?":
			if (g[3] == ":?" && empty) || !set {
				err = fmt.Errorf("required variable %s is missing a value: %s", name, g[4])
			}
		}
		return v
	})
	return out, err
}

// interpolateTree interpolates every string of a parsed YAML document.
func interpolateTree(v any, vars map[string]string) (any, error) {
	switch x := v.(type) {
	case string:
		return interpolate(x, vars)
	case []any:
		for i := range x {
			var err error
			if x[i], err = interpolateTree(x[i], vars); err != nil {
				return nil, err
			}
		}
	case map[string]any:
		for k := range x {
			var err error
			if x[k], err = interpolateTree(x[k], vars); err != nil {
				return nil, fmt.Errorf("%s: %w", k, err)
			}
		}
	}
	return v, nil
}

type composeService struct {
	Image       string   `yaml:"image"`
	Command     []string `yaml:"command"`
	Environment any      `yaml:"environment"` // a map or a list of KEY=VALUE
	Volumes     []string `yaml:"volumes"`
	Ports       []string `yaml:"ports"`
	Deploy      struct {
		Replicas int `yaml:"replicas"`
	} `yaml:"deploy"`
}

func (s composeService) env(t *testing.T, name string) map[string]string {
	out := map[string]string{}
	switch e := s.Environment.(type) {
	case nil:
	case map[string]any:
		for k, v := range e {
			out[k] = fmt.Sprint(v)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(fmt.Sprint(kv), "=")
			out[k] = v
		}
	default:
		t.Fatalf("compose service %s: environment %T", name, e)
	}
	return out
}

// readCompose parses deploy/compose.yaml with the given variables.
func readCompose(t *testing.T, vars map[string]string) (map[string]composeService, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(deployDir, "compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var tree map[string]any
	if err := yaml.Unmarshal(data, &tree); err != nil {
		t.Fatal(err)
	}
	if _, err := interpolateTree(tree, vars); err != nil {
		return nil, err
	}
	resolved, err := yaml.Marshal(tree)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Services map[string]composeService `yaml:"services"`
	}
	if err := yaml.Unmarshal(resolved, &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Services, nil
}

// startCompose: Redis, the mock's replicas on it, the load runner.
func startCompose(t *testing.T, bin string) {
	if _, err := readCompose(t, map[string]string{}); err == nil || !strings.Contains(err.Error(), adminTokenEnv) {
		t.Errorf("compose without $%s: %v, want it refused (replicas with tokens of their own would not be one mock)", adminTokenEnv, err)
	}
	vars := map[string]string{adminTokenEnv: "compose-test-token"}
	services, err := readCompose(t, vars)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{} // what each service runs: redis, mock, load
	for name, s := range services {
		switch {
		case strings.HasPrefix(s.Image, "redis"):
			names["redis"] = name
		case s.Image == image && len(s.Command) > 0:
			names[s.Command[0]] = name
		}
	}
	if len(names) != 3 {
		t.Fatalf("compose: services %v, want one Redis, one mock, one load runner", names)
	}
	volumes := map[string]string{} // a named volume → its folder here
	mounts := func(s composeService) map[string]string {
		out := map[string]string{}
		for _, v := range s.Volumes {
			src, dst, _ := strings.Cut(v, ":")
			dst, _, _ = strings.Cut(dst, ":")
			if volumes[src] == "" {
				volumes[src] = t.TempDir()
			}
			out[dst] = volumes[src]
		}
		return out
	}
	rs := services[names["redis"]]
	if dir := redisDir(rs.Command); mounts(rs)[dir] == "" {
		t.Errorf("compose service %s keeps its files in %s, which is on no volume: they go with the container", names["redis"], dir)
	}
	srv := startRedis(t, "compose service "+names["redis"], localize(t, "compose service "+names["redis"], rs.Command, localNames{mounts: mounts(rs)}))
	ms := services[names["mock"]]
	n := localNames{redisHost: names["redis"], redisAddr: srv.Addr, mockHost: names["mock"]}
	replicas := max(ms.Deploy.Replicas, 1)
	if len(ms.Ports) != 1 || !strings.Contains(ms.Ports[0], fmt.Sprintf("-%d:", 8080+replicas-1)) {
		t.Errorf("compose service %s: ports %q, want one host port a replica (8080-%d)", names["mock"], ms.Ports, 8080+replicas-1)
	}
	var mocks []mockUp
	for i := range replicas {
		where := fmt.Sprintf("compose service %s, replica %d", names["mock"], i+1)
		env := mergeEnv(ms.env(t, names["mock"]), map[string]string{"HOME": t.TempDir()})
		mocks = append(mocks, serveMock(t, where, bin, localize(t, where, ms.Command, n), env))
	}
	checkShared(t, mocks)
	ls := services[names["load"]]
	n.mockBase, n.mounts = mocks[0].base, mounts(ls)
	home := n.mounts["/home/nonroot"]
	if home == "" {
		home = t.TempDir()
	}
	where := "compose service " + names["load"]
	p := spawn(t, where, bin, t.TempDir(), localize(t, where, ls.Command, n), mergeEnv(ls.env(t, names["load"]), map[string]string{"HOME": home}))
	recipeLoadRan(t, p, "load.json")
}

// k8sContainer is a container of a workload's pod template.
type k8sContainer struct {
	Name         string   `yaml:"name"`
	Image        string   `yaml:"image"`
	Command      []string `yaml:"command"`
	Args         []string `yaml:"args"`
	Env          []k8sEnv `yaml:"env"`
	VolumeMounts []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
	} `yaml:"volumeMounts"`
}

type k8sEnv struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef *struct {
			Name string `yaml:"name"`
			Key  string `yaml:"key"`
		} `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

// k8sWorkload is a Deployment or a Job.
type k8sWorkload struct {
	Metadata struct {
		Name string `yaml:"name"`
	} `yaml:"metadata"`
	Spec struct {
		Replicas    *int `yaml:"replicas"`
		Completions *int `yaml:"completions"`
		Template    struct {
			Metadata struct {
				Labels map[string]string `yaml:"labels"`
			} `yaml:"metadata"`
			Spec struct {
				Containers []k8sContainer `yaml:"containers"`
				Volumes    []struct {
					Name                  string `yaml:"name"`
					EmptyDir              any    `yaml:"emptyDir"`
					PersistentVolumeClaim *struct {
						ClaimName string `yaml:"claimName"`
					} `yaml:"persistentVolumeClaim"`
				} `yaml:"volumes"`
			} `yaml:"spec"`
		} `yaml:"template"`
	} `yaml:"spec"`
}

// decodeAs re-decodes a parsed manifest into a typed one.
func decodeAs(t *testing.T, doc map[string]any, v any) {
	t.Helper()
	b, err := yaml.Marshal(doc)
	if err == nil {
		err = yaml.Unmarshal(b, v)
	}
	if err != nil {
		t.Fatalf("%s: %v", name(doc), err)
	}
}

// k8sSecrets is every Secret's keys and values (stringData, or base64 data).
func k8sSecrets(t *testing.T, docs map[string][]map[string]any) map[string]map[string]string {
	out := map[string]map[string]string{}
	for _, d := range docs["Secret"] {
		var s struct {
			Data       map[string]string `yaml:"data"`
			StringData map[string]string `yaml:"stringData"`
		}
		decodeAs(t, d, &s)
		kv := mergeEnv(s.StringData)
		for k, v := range s.Data {
			b, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				t.Fatalf("Secret %s: data.%s: %v", name(d), k, err)
			}
			kv[k] = string(b)
		}
		out[name(d)] = kv
	}
	return out
}

// k8sVar is a $(VAR) reference of a container's args, or the $$ escape.
var k8sVar = regexp.MustCompile(`\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// containerEnv resolves a container's env (Secrets from the manifests) and
// expands its args the way the kubelet does.
func containerEnv(t *testing.T, where string, c k8sContainer, secrets map[string]map[string]string, extra map[string]string) (argv []string, env map[string]string) {
	t.Helper()
	env = mergeEnv(extra)
	for _, e := range c.Env {
		switch {
		case e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil:
			ref := e.ValueFrom.SecretKeyRef
			v, ok := secrets[ref.Name][ref.Key]
			if !ok {
				t.Fatalf("%s: env %s from Secret %s key %s, which no manifest defines", where, e.Name, ref.Name, ref.Key)
			}
			env[e.Name] = v
		case e.ValueFrom != nil:
			t.Fatalf("%s: env %s: only values and secretKeyRef are resolved here", where, e.Name)
		default:
			env[e.Name] = e.Value
		}
	}
	for _, a := range c.Args {
		argv = append(argv, k8sVar.ReplaceAllStringFunc(a, func(m string) string {
			if m == "$$" {
				return "$"
			}
			if v, ok := env[m[2:len(m)-1]]; ok {
				return v
			}
			return m
		}))
	}
	return argv, env
}

// startKubernetes: Redis, the mock's replicas, the Indexed load Job's shards
// at once, then the merge Job.
func startKubernetes(t *testing.T, bin string) {
	docs := k8sDocs(t)
	secrets := k8sSecrets(t, docs)
	claims := map[string]string{} // a PersistentVolumeClaim → its folder here
	mounts := func(w k8sWorkload, c k8sContainer) map[string]string {
		out := map[string]string{}
		for _, m := range c.VolumeMounts {
			for _, v := range w.Spec.Template.Spec.Volumes {
				switch {
				case v.Name != m.Name:
				case v.PersistentVolumeClaim != nil:
					if claims[v.PersistentVolumeClaim.ClaimName] == "" {
						claims[v.PersistentVolumeClaim.ClaimName] = t.TempDir()
					}
					out[m.MountPath] = claims[v.PersistentVolumeClaim.ClaimName]
				case v.EmptyDir != nil:
					out[m.MountPath] = t.TempDir()
				}
			}
		}
		return out
	}
	// serviceOf is the Service that selects a workload's pods.
	serviceOf := func(w k8sWorkload) string {
		for _, s := range docs["Service"] {
			sel, _ := dig(s, "spec", "selector").(map[string]any)
			match := len(sel) > 0
			for k, v := range sel {
				match = match && w.Spec.Template.Metadata.Labels[k] == fmt.Sprint(v)
			}
			if match {
				return name(s)
			}
		}
		return ""
	}
	var redisW, mockW *k8sWorkload
	for _, d := range docs["Deployment"] {
		var w k8sWorkload
		decodeAs(t, d, &w)
		for _, c := range w.Spec.Template.Spec.Containers {
			switch {
			case strings.HasPrefix(c.Image, "redis"):
				redisW = &w
			case c.Image == image && len(c.Args) > 0 && c.Args[0] == "mock":
				mockW = &w
			}
		}
	}
	if redisW == nil || mockW == nil {
		t.Fatal("want a Redis Deployment and a mock Deployment")
	}
	rc := redisW.Spec.Template.Spec.Containers[0]
	if dir := redisDir(rc.Args); mounts(*redisW, rc)[dir] == "" {
		t.Errorf("Deployment %s keeps its files in %s, on no PersistentVolumeClaim or emptyDir: they go with the container",
			redisW.Metadata.Name, dir)
	}
	srv := startRedis(t, "Deployment "+redisW.Metadata.Name, localize(t, "Deployment "+redisW.Metadata.Name, rc.Args, localNames{mounts: mounts(*redisW, rc)}))
	n := localNames{redisHost: serviceOf(*redisW), redisAddr: srv.Addr, mockHost: serviceOf(*mockW)}
	if n.redisHost == "" || n.mockHost == "" {
		t.Fatalf("no Service selects the Redis (%q) or the mock (%q)", n.redisHost, n.mockHost)
	}
	var mocks []mockUp
	replicas := 1
	if mockW.Spec.Replicas != nil {
		replicas = *mockW.Spec.Replicas
	}
	for i := range replicas {
		for _, c := range mockW.Spec.Template.Spec.Containers {
			if c.Image != image {
				continue
			}
			where := fmt.Sprintf("Deployment %s, pod %d", mockW.Metadata.Name, i+1)
			argv, env := containerEnv(t, where, c, secrets, map[string]string{"HOME": t.TempDir()})
			mocks = append(mocks, serveMock(t, where, bin, localize(t, where, argv, n), env))
		}
	}
	checkShared(t, mocks)
	n.mockBase = mocks[0].base
	// The load Job's shards at once (parallelism = completions), then the
	// merge of their folders.
	var jobs []k8sWorkload
	for _, d := range docs["Job"] {
		var w k8sWorkload
		decodeAs(t, d, &w)
		jobs = append(jobs, w)
	}
	slices.SortFunc(jobs, func(a, b k8sWorkload) int { // the merge comes last: it reads the shards
		return boolInt(strings.Contains(strings.Join(a.Spec.Template.Spec.Containers[0].Args, " "), "load merge")) -
			boolInt(strings.Contains(strings.Join(b.Spec.Template.Spec.Containers[0].Args, " "), "load merge"))
	})
	ran := 0
	for _, w := range jobs {
		completions := 1
		if w.Spec.Completions != nil {
			completions = *w.Spec.Completions
		}
		var procs []*process
		for i := range completions {
			for _, c := range w.Spec.Template.Spec.Containers {
				if c.Image != image {
					continue
				}
				where := fmt.Sprintf("Job %s, index %d", w.Metadata.Name, i)
				extra := map[string]string{"HOME": t.TempDir(), "JOB_COMPLETION_INDEX": strconv.Itoa(i)}
				argv, env := containerEnv(t, where, c, secrets, extra)
				n.mounts = mounts(w, c)
				procs = append(procs, spawn(t, where, bin, t.TempDir(), localize(t, where, argv, n), env))
			}
		}
		for _, p := range procs {
			report := "load.json"
			if argValue(p.argv, "-shard") != "" {
				report = load.PartFile
			}
			recipeLoadRan(t, p, report)
			ran++
		}
	}
	if ran < 2 {
		t.Errorf("%d Job command lines ran, want the load shards and the merge", ran)
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestInterpolate: the test's reading of Compose variables.
func TestInterpolate(t *testing.T) {
	vars := map[string]string{"A": "a", "E": ""}
	tests := []struct{ in, want, err string }{
		{"x$A-${A}", "xa-a", ""},
		{"$$A", "$A", ""},
		{"${E:-d}|${E-d}|${U-d}", "d||d", ""},
		{"${A:?need A}", "a", ""},
		{"${E:?need E}", "", "need E"},
		{"${E?need E}", "", ""},
		{"${U?need U}", "", "need U"},
	}
	for _, tt := range tests {
		got, err := interpolate(tt.in, vars)
		if (tt.err == "" && (err != nil || got != tt.want)) || (tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err))) {
			t.Errorf("interpolate(%q) = %q, %v; want %q, error %q", tt.in, got, err, tt.want, tt.err)
		}
	}
}
