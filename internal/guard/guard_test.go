package guard

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

const module = "github.com/s2s-harness/s2s-harness"

// consumers derive everything from the profiles and never import each other
// (tests aside): each is a root with its subpackages.
var consumers = []string{"mockserver", "conformance", "load"}

// processImports lists the imports that reach the process (files, environment,
// exit, signals). Only processOwners may use them. Packages os and syscall are
// judged member by member (osValue, syscallProcess).
var processImports = []string{"os", "os/exec", "os/signal", "os/user", "io/ioutil", "syscall"}

// processOwners are the packages that may touch the process: the CLI and main.
// Every `package main` (cmd/s2s, load/internal/benchserver: a bare receiver
// the load benchmarks start) is its own process and counts as an owner too.
// internal/redistest, internal/chromiumtest and readback/readbacktest are test
// support: they run a redis-server, headless Chromium and a PostgreSQL cluster
// for tests, and only tests import them.
var processOwners = []string{"internal/cli", "cmd/s2s", "internal/redistest", "internal/chromiumtest", "readback/readbacktest"}

// syscallProcess reports the members of package syscall that act on the
// process (environment, exit, signals, files, working directory); the socket
// calls a connection check needs (Recvfrom with MSG_PEEK) are not among them.
func syscallProcess(name string) bool {
	return slices.Contains([]string{"Exit", "Getenv", "Setenv", "Unsetenv", "Clearenv", "Environ", "Kill", "Exec",
		"ForkExec", "StartProcess", "Getpid", "Getppid", "Chdir", "Open", "Creat", "Unlink", "Rmdir", "Mkdir",
		"Rename", "Chmod", "Chown", "Truncate", "Stdin", "Stdout", "Stderr"}, name)
}

// osValue reports the members of package os that are values, not actions: error
// identities to compare with errors.Is, mode bits and path constants, and
// Expand, which reads only the mapping it is given (ExpandEnv reads the
// environment and is not among them). Using them does not touch the process,
// so a package may import os for them.
func osValue(name string) bool {
	return strings.HasPrefix(name, "Err") || strings.HasPrefix(name, "Mode") ||
		slices.Contains([]string{"DevNull", "PathSeparator", "PathListSeparator", "FileMode", "FileInfo", "DirEntry", "Expand"}, name)
}

// knownGlobals are package-level variables this test lets through for now,
// each with the reason and the work that removes it. Keep it short.
var knownGlobals = map[string]string{
	"conformance.ran": "the suite guard; issue 8 point 2 (conformance as a library) removes it",
}

type file struct {
	rel  string // path from the module root
	pkg  string // directory from the module root ("" for the root)
	test bool
	ast  *ast.File
}

// parseModule parses every .go file of the module outside testdata and
// hidden folders, once for all the tests (they only read the syntax trees).
func parseModule(t *testing.T) (*token.FileSet, []file) {
	t.Helper()
	m, err := moduleFiles()
	if err != nil {
		t.Fatal(err)
	}
	return m.fset, m.files
}

type parsed struct {
	fset  *token.FileSet
	files []file
}

var moduleFiles = sync.OnceValues(func() (parsed, error) {
	root, err := filepath.Abs("../..")
	if err != nil {
		return parsed{}, err
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		return parsed{}, fmt.Errorf("module root not at %s: %w", root, err)
	}
	fset, files, err := parseDir(root)
	if err == nil && len(files) < 50 {
		err = fmt.Errorf("parsed only %d files under %s: not the module?", len(files), root)
	}
	return parsed{fset, files}, err
})

// parseTree parses every .go file under root outside testdata and hidden
// folders; a file's package is its folder relative to root.
func parseTree(t *testing.T, root string) (*token.FileSet, []file) {
	t.Helper()
	fset, files, err := parseDir(root)
	if err != nil {
		t.Fatal(err)
	}
	return fset, files
}

func parseDir(root string) (*token.FileSet, []file, error) {
	fset := token.NewFileSet()
	var files []file
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		src, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f, err := parser.ParseFile(fset, rel, src, parser.ParseComments)
		if err != nil {
			return err
		}
		dir := filepath.ToSlash(filepath.Dir(rel))
		if dir == "." {
			dir = ""
		}
		files = append(files, file{rel: rel, pkg: dir, test: strings.HasSuffix(name, "_test.go"), ast: f})
		return nil
	})
	return fset, files, err
}

// under reports whether dir is root or one of its subpackages.
func under(dir, root string) bool { return dir == root || strings.HasPrefix(dir, root+"/") }

func importPath(s *ast.ImportSpec) string { p, _ := strconv.Unquote(s.Path.Value); return p }

func TestImports(t *testing.T) {
	t.Parallel()
	_, files := parseModule(t)
	for _, p := range importProblems(files) {
		t.Error(p)
	}
}

func importProblems(files []file) []string {
	var problems []string
	checked := 0
	for _, f := range files {
		if f.test {
			continue
		}
		for _, s := range f.ast.Imports {
			p := importPath(s)
			local, ok := strings.CutPrefix(p, module+"/")
			if !ok {
				continue
			}
			checked++
			for _, c := range consumers {
				for _, other := range consumers {
					if c != other && under(f.pkg, c) && under(local, other) {
						problems = append(problems, fmt.Sprintf("%s imports %s: %s and %s never import each other; share through profile/ or internal/", f.rel, p, c, other))
					}
				}
			}
			if under(f.pkg, "profile") && (under(local, "internal/cli") || slices.ContainsFunc(consumers, func(c string) bool { return under(local, c) })) {
				problems = append(problems, fmt.Sprintf("%s imports %s: the profiles are the data the consumers derive from, not the other way", f.rel, p))
			}
			if under(local, "internal/cli") && f.pkg != "cmd/s2s" {
				problems = append(problems, fmt.Sprintf("%s imports %s: only cmd/s2s runs the CLI", f.rel, p))
			}
		}
	}
	if checked == 0 {
		problems = append(problems, "no module-internal imports seen: wrong module path?")
	}
	return problems
}

func TestOnlyTheCLITouchesTheProcess(t *testing.T) {
	t.Parallel()
	for _, p := range processProblems(parseModule(t)) {
		t.Error(p)
	}
}

func processProblems(fset *token.FileSet, files []file) []string {
	var problems []string
	for _, f := range files {
		if f.test || f.ast.Name.Name == "main" || slices.ContainsFunc(processOwners, func(o string) bool { return under(f.pkg, o) }) {
			continue // tests may use temp files; processes own the process
		}
		for _, s := range f.ast.Imports {
			p := importPath(s)
			if !slices.Contains(processImports, p) {
				continue
			}
			if p != "os" && p != "syscall" {
				problems = append(problems, fmt.Sprintf("%s imports %s: only internal/cli touches the process", f.rel, p))
				continue
			}
			allowed := func(member string) bool { return osValue(member) }
			if p == "syscall" {
				allowed = func(member string) bool { return !syscallProcess(member) }
			}
			name := p
			if s.Name != nil {
				name = s.Name.Name
			}
			ast.Inspect(f.ast, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == name && id.Obj == nil && !allowed(sel.Sel.Name) {
					problems = append(problems, fmt.Sprintf("%s: %s.%s: only internal/cli touches the process (files, environment, exit); take what you need as a parameter",
						position(fset, sel.Pos()), p, sel.Sel.Name))
				}
				return true
			})
		}
	}
	return problems
}

// TestNoMutableGlobals: a package-level variable is allowed only when it
// cannot carry state between calls: the blank identifier (compile-time
// interface checks), a //go:embed file system, a sentinel error Err… =
// errors.New/fmt.Errorf, or a read-only table — unexported, initialised at
// its declaration, and never written afterwards (no assignment to it, its
// elements or fields, no ++/--, delete, clear, copy or in-place sort, no
// address taken), and not a sync or atomic value. Anything else is state
// shared by every caller: pass it in, or make it a const or a func.
func TestNoMutableGlobals(t *testing.T) {
	t.Parallel()
	for _, p := range globalProblems(parseModule(t)) {
		t.Error(p)
	}
}

func globalProblems(fset *token.FileSet, files []file) []string {
	byPkg := map[string][]file{}
	for _, f := range files {
		if !f.test {
			byPkg[f.pkg] = append(byPkg[f.pkg], f)
		}
	}
	var problems []string
	report := func(pkg, name string, pos token.Pos, why string) {
		key := filepath.Base(pkg) + "." + name
		if _, ok := knownGlobals[key]; ok {
			return
		}
		problems = append(problems, position(fset, pos)+": package-level var "+name+": "+why)
	}
	for pkg, pfiles := range byPkg {
		vars := map[string]*ast.ValueSpec{}
		for _, f := range pfiles {
			for _, d := range f.ast.Decls {
				g, ok := d.(*ast.GenDecl)
				if !ok || g.Tok != token.VAR {
					continue
				}
				for _, spec := range g.Specs {
					vs := spec.(*ast.ValueSpec)
					embedded := hasEmbed(g.Doc) || hasEmbed(vs.Doc)
					for i, id := range vs.Names {
						if id.Name == "_" || embedded {
							continue
						}
						vars[id.Name] = vs
						var value ast.Expr
						if i < len(vs.Values) {
							value = vs.Values[i]
						}
						switch {
						case value == nil:
							report(pkg, id.Name, id.Pos(), "no initial value: it exists to hold state")
						case isSentinel(id.Name, value):
						case ast.IsExported(id.Name):
							report(pkg, id.Name, id.Pos(), "exported: any importer can change it; make it a const or a func")
						case isSyncValue(value):
							report(pkg, id.Name, id.Pos(), "a sync/atomic value is shared state")
						}
					}
				}
			}
		}
		if len(vars) == 0 {
			continue
		}
		isVar := func(e ast.Expr) (*ast.Ident, bool) {
			id := root(e)
			if id == nil {
				return nil, false
			}
			vs, ok := vars[id.Name]
			if !ok {
				return nil, false
			}
			if id.Obj == nil { // declared in another file of the package
				return id, true
			}
			return id, id.Obj.Kind == ast.Var && id.Obj.Decl == vs
		}
		for _, f := range pfiles {
			ast.Inspect(f.ast, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.AssignStmt:
					if x.Tok == token.DEFINE {
						return true
					}
					for _, l := range x.Lhs {
						if id, ok := isVar(l); ok {
							report(pkg, id.Name, l.Pos(), "written after its declaration")
						}
					}
				case *ast.IncDecStmt:
					if id, ok := isVar(x.X); ok {
						report(pkg, id.Name, x.Pos(), "written after its declaration")
					}
				case *ast.RangeStmt:
					if x.Tok == token.ASSIGN {
						for _, e := range []ast.Expr{x.Key, x.Value} {
							if id, ok := isVar(e); ok {
								report(pkg, id.Name, e.Pos(), "written by a range loop")
							}
						}
					}
				case *ast.UnaryExpr:
					if x.Op == token.AND {
						if id, ok := isVar(x.X); ok {
							report(pkg, id.Name, x.Pos(), "its address is taken (a writer could follow)")
						}
					}
				case *ast.CallExpr:
					if mutatesArg(x.Fun) && len(x.Args) > 0 {
						if id, ok := isVar(x.Args[0]); ok {
							report(pkg, id.Name, x.Pos(), "changed in place")
						}
					}
				}
				return true
			})
		}
	}
	sort.Strings(problems)
	return problems
}

// position is file:line with the path from the parsed root.
func position(fset *token.FileSet, pos token.Pos) string {
	p := fset.Position(pos)
	return fmt.Sprintf("%s:%d", p.Filename, p.Line)
}

func hasEmbed(g *ast.CommentGroup) bool {
	if g == nil {
		return false
	}
	for _, c := range g.List {
		if strings.HasPrefix(c.Text, "//go:embed ") {
			return true
		}
	}
	return false
}

func isSentinel(name string, value ast.Expr) bool {
	if !strings.HasPrefix(name, "Err") && !strings.HasPrefix(name, "err") {
		return false
	}
	call, ok := value.(*ast.CallExpr)
	if !ok {
		return false
	}
	fn := qualified(call.Fun)
	return fn == "errors.New" || fn == "fmt.Errorf"
}

// isSyncValue reports a sync.X{} / &sync.X{} / new(atomic.X) initialiser.
func isSyncValue(e ast.Expr) bool {
	if u, ok := e.(*ast.UnaryExpr); ok && u.Op == token.AND {
		e = u.X
	}
	var typ ast.Expr
	switch x := e.(type) {
	case *ast.CompositeLit:
		typ = x.Type
	case *ast.CallExpr:
		if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "new" && len(x.Args) == 1 {
			typ = x.Args[0]
		}
	}
	q := qualified(typ)
	return strings.HasPrefix(q, "sync.") || strings.HasPrefix(q, "atomic.")
}

// mutatesArg reports calls that change their first argument in place.
func mutatesArg(fun ast.Expr) bool {
	if id, ok := fun.(*ast.Ident); ok {
		return id.Obj == nil && slices.Contains([]string{"delete", "clear", "copy"}, id.Name)
	}
	q := qualified(fun)
	return strings.HasPrefix(q, "sort.") && q != "sort.Search" && q != "sort.SearchInts" && q != "sort.SearchStrings" && q != "sort.SearchFloat64s" ||
		slices.Contains([]string{"slices.Sort", "slices.SortFunc", "slices.SortStableFunc", "slices.Reverse", "maps.Copy", "maps.DeleteFunc"}, q)
}

// qualified renders pkg.Name selectors; "" otherwise.
func qualified(e ast.Expr) string {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	id, ok := sel.X.(*ast.Ident)
	if !ok {
		return ""
	}
	return id.Name + "." + sel.Sel.Name
}

// root returns the variable an lvalue-ish expression starts from: x in x,
// x[i], x.f, *x, x[i:j], (x).
func root(e ast.Expr) *ast.Ident {
	for {
		switch x := e.(type) {
		case *ast.Ident:
			return x
		case *ast.ParenExpr:
			e = x.X
		case *ast.IndexExpr:
			e = x.X
		case *ast.IndexListExpr:
			e = x.X
		case *ast.SelectorExpr:
			e = x.X
		case *ast.StarExpr:
			e = x.X
		case *ast.SliceExpr:
			e = x.X
		default:
			return nil
		}
	}
}

// TestTestsStayInTheRepository: a test reads only files of the repository, so
// a lone clone tests. A relative path that climbs out of the module is allowed
// only under an `if` on an -update flag, which regenerates a snapshot on demand.
func TestTestsStayInTheRepository(t *testing.T) {
	t.Parallel()
	for _, p := range outsideProblems(parseModule(t)) {
		t.Error(p)
	}
}

func outsideProblems(fset *token.FileSet, files []file) []string {
	var problems []string
	for _, f := range files {
		if !f.test {
			continue
		}
		var stack []ast.Node
		ast.Inspect(f.ast, func(n ast.Node) bool {
			if n == nil {
				stack = stack[:len(stack)-1]
				return true
			}
			stack = append(stack, n)
			var rel string
			switch x := n.(type) {
			case *ast.BasicLit:
				if x.Kind == token.STRING {
					rel, _ = strconv.Unquote(x.Value)
				}
			case *ast.CallExpr:
				if q := qualified(x.Fun); q == "filepath.Join" || q == "path.Join" {
					var parts []string
					for _, a := range x.Args {
						lit, ok := a.(*ast.BasicLit)
						if !ok || lit.Kind != token.STRING {
							break
						}
						v, _ := strconv.Unquote(lit.Value)
						parts = append(parts, v)
					}
					rel = path.Join(parts...)
				}
			}
			if !strings.HasPrefix(rel, "..") {
				return true
			}
			if where := path.Clean(path.Join(f.pkg, rel)); where != ".." && !strings.HasPrefix(where, "../") {
				return true
			}
			for _, up := range stack {
				if ifs, ok := up.(*ast.IfStmt); ok && mentionsUpdate(ifs.Cond) {
					return true
				}
			}
			problems = append(problems, fmt.Sprintf("%s: %q is outside the repository: read a snapshot under testdata/ (regenerated behind an -update flag)",
				position(fset, n.Pos()), rel))
			return true
		})
	}
	return problems
}

// mentionsUpdate reports whether e names an update flag (update, updateSpecs...).
func mentionsUpdate(e ast.Expr) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && strings.HasPrefix(strings.ToLower(id.Name), "update") {
			found = true
		}
		return !found
	})
	return found
}

// maxCLIFunc is the most lines a function of internal/cli may span, from its
// func line to its closing brace: a command longer than that is cut into
// named steps, so its flow reads in one screen (issue 16).
const maxCLIFunc = 80

// TestCLIFunctionsAreShort: no function of internal/cli (tests aside) is
// over maxCLIFunc lines.
func TestCLIFunctionsAreShort(t *testing.T) {
	t.Parallel()
	for _, p := range longFuncProblems(parseModule(t)) {
		t.Error(p)
	}
}

func longFuncProblems(fset *token.FileSet, files []file) []string {
	var problems []string
	for _, f := range files {
		if f.test || f.pkg != "internal/cli" {
			continue
		}
		for _, d := range f.ast.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			if n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1; n > maxCLIFunc {
				problems = append(problems, fmt.Sprintf("%s: func %s is %d lines: cut it into named steps of at most %d",
					position(fset, fd.Pos()), fd.Name.Name, n, maxCLIFunc))
			}
		}
	}
	return problems
}

// TestGuardsCatch runs the checks over testdata/tree, a small module that
// breaks each rule once (and keeps every exception), so the guards above are
// known to fail when they should.
func TestGuardsCatch(t *testing.T) {
	t.Parallel()
	fset, files := parseTree(t, "testdata/tree")
	got := append(importProblems(files), processProblems(fset, files)...)
	got = append(got, globalProblems(fset, files)...)
	got = append(got, outsideProblems(fset, files)...)
	got = append(got, longFuncProblems(fset, files)...)
	want := []string{
		"mockserver/mock.go imports " + module + "/load/engine: mockserver and load never import each other; share through profile/ or internal/",
		"profile/p.go imports " + module + "/conformance: the profiles are the data the consumers derive from, not the other way",
		"reports/r.go:12: os.Getenv: only internal/cli touches the process (files, environment, exit); take what you need as a parameter",
		"reports/r.go imports os/signal: only internal/cli touches the process",
		`reports/r_test.go:13: "../../shared/SPECS.md" is outside the repository: read a snapshot under testdata/ (regenerated behind an -update flag)`,
		`reports/r_test.go:14: "../../shared/seeds" is outside the repository: read a snapshot under testdata/ (regenerated behind an -update flag)`,
		"reports/r.go:21: os.ExpandEnv: only internal/cli touches the process (files, environment, exit); take what you need as a parameter",
		"internal/cli/cli.go:86: func long is 81 lines: cut it into named steps of at most 80",
		"internal/cli/cli.go:171: func method is 81 lines: cut it into named steps of at most 80",
		"reports/s.go:10: syscall.Getenv: only internal/cli touches the process (files, environment, exit); take what you need as a parameter",
		"profile/p.go:12: package-level var counter: no initial value: it exists to hold state",
		"profile/p.go:14: package-level var Exported: exported: any importer can change it; make it a const or a func",
		"profile/p.go:16: package-level var pool: a sync/atomic value is shared state",
		"profile/p.go:34: package-level var counter: written after its declaration",
		"profile/p.go:35: package-level var table: written after its declaration",
		"profile/p.go:36: package-level var sorted: changed in place",
		"profile/p.go:37: package-level var grown: written after its declaration",
		"profile/p.go:38: package-level var pointed: its address is taken (a writer could follow)",
		"profile/q.go:5: package-level var table: written after its declaration",
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems found:\n%s\n\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
