package schemas_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/s2s-harness/s2s-harness/fixtures"
	"github.com/s2s-harness/s2s-harness/internal/strictjson"
	"github.com/s2s-harness/s2s-harness/profile"
	"github.com/s2s-harness/s2s-harness/profile/builtin"
	"github.com/s2s-harness/s2s-harness/schemas"
)

type sample struct {
	set  *schemas.Set
	file string
	doc  any
	name string
}

// corpus is every golden payload, 300 generated ones and every variant of p,
// decoded as the validator decodes bodies, paired with its request schema.
func corpus(t testing.TB, p *profile.Profile, set *schemas.Set) []sample {
	var out []sample
	{
		addPayload := func(name string, pl *profile.Payload) {
			e, ok := p.Endpoint(pl.Endpoint)
			if !ok || e.Request == "" {
				return
			}
			b, err := pl.Bytes()
			if err != nil {
				return
			}
			doc, err := strictjson.Decode(b)
			if err != nil {
				return
			}
			out = append(out, sample{set: set, file: e.Request, doc: doc, name: p.Name + "/" + name})
		}
		golden, err := fixtures.LoadGolden(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range golden {
			addPayload("golden "+g.Name, g.Payload)
		}
		gen, err := fixtures.NewGenerator(p, fixtures.Options{Seed: 3})
		if err != nil {
			t.Fatal(err)
		}
		for range 300 {
			addPayload("generated", gen.Next())
		}
		variants, err := fixtures.Variants(p, set, fixtures.Options{Seed: 3, Now: time.Now()})
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range variants {
			addPayload("variant "+v.Name, v.Payload)
		}
	}
	return out
}

func TestFastAgreesWithJSONSchema(t *testing.T) {
	t.Parallel()
	for _, p := range builtin.All() {
		t.Run(p.Name, func(t *testing.T) { fastAgrees(t, p) })
	}
}

func fastAgrees(t *testing.T, p *profile.Profile) {
	set, err := schemas.Compile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range set.Files() {
		if !set.Fast(f) && strings.HasSuffix(f, ".request"+schemas.Suffix) {
			t.Errorf("%s: no fast check; valid requests would pay jsonschema/v5's full cost", f)
		}
	}
	valid, invalid := 0, 0
	for _, s := range corpus(t, p, set) {
		fast, ok := schemas.FastValid(s.set, s.file, s.doc)
		if !ok {
			continue
		}
		sch, _ := s.set.Schema(s.file)
		want := sch.Validate(s.doc) == nil
		if fast != want {
			t.Errorf("%s: fast check says valid=%v, jsonschema/v5 says %v", s.name, fast, want)
		}
		if want {
			valid++
		} else {
			invalid++
		}
	}
	if valid == 0 || invalid == 0 {
		t.Fatalf("corpus too narrow: %d valid, %d invalid documents", valid, invalid)
	}
}

// FuzzFastAgreesWithJSONSchema feeds arbitrary JSON to every request schema: the
// fast check and jsonschema/v5 must agree.
func FuzzFastAgreesWithJSONSchema(f *testing.F) {
	type target struct {
		set  *schemas.Set
		file string
	}
	var targets []target
	for _, p := range builtin.All() {
		set, err := schemas.Compile(p)
		if err != nil {
			continue // TestFastAgreesWithJSONSchema reports it
		}
		for _, file := range set.Files() {
			targets = append(targets, target{set, file})
		}
		for i, s := range corpus(f, p, set) {
			if i > 100 {
				break
			}
			if b, err := json.Marshal(s.doc); err == nil {
				idx := slices.IndexFunc(targets, func(t target) bool { return t.set == s.set && t.file == s.file })
				f.Add(b, uint8(idx))
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte, which uint8) {
		doc, err := strictjson.Decode(data)
		if err != nil {
			return
		}
		tg := targets[int(which)%len(targets)]
		fast, ok := schemas.FastValid(tg.set, tg.file, doc)
		if !ok {
			return
		}
		sch, _ := tg.set.Schema(tg.file)
		if want := sch.Validate(doc) == nil; fast != want {
			t.Fatalf("%s: fast check says valid=%v, jsonschema/v5 says %v for %s", tg.file, fast, want, data)
		}
	})
}
