# s2s-harness. `make help` lists the targets.
GO      ?= go
FUZZTIME ?= 10s
# staticcheck runs at a pinned version through `go run`, so it never enters
# go.mod: as a tool dependency its golang.org/x/tools would raise ours.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

.DEFAULT_GOAL := help

BIN      ?= bin/s2s
RUN_ARGS ?=

## run: start the reference mock on 127.0.0.1:8080 with zero configuration
# The binary is built, then exec'd in place of the shell, so Ctrl-C and a
# SIGTERM to make (which make passes on) reach the mock itself, which shuts
# down gracefully; `go run` does not reliably pass signals on.
.PHONY: run
run: build
	exec $(BIN) mock $(RUN_ARGS)

# RACE is -race when the race detector can work: it needs cgo and a C compiler.
RACE = $(shell [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$$($(GO) env CC)" >/dev/null 2>&1 && echo -race)

## test: vet, then every test with the race detector when cgo is available (includes the conformance self-test and the docs' shell blocks), then the mock's suite again on a real Redis
.PHONY: test
test:
	@if [ -z "$(RACE)" ]; then echo "make test: the race detector needs cgo and a C compiler (CGO_ENABLED=$$($(GO) env CGO_ENABLED), CC=$$($(GO) env CC)); running the tests without -race"; fi
	$(GO) vet ./...
	$(GO) test $(RACE) -count=1 ./...
	S2S_TEST_STORE=redis $(GO) test $(RACE) -count=1 ./mockserver/

## bench: every Go benchmark, then the issue-22 figures: `ratio NAME MEDIAN` lines (mock/bare, redis/memory, engine/vegeta|wrk) and `cpu-us NAME MEDIAN` (CPU µs per request: engine/s2s, vegeta, wrk); reports, never fails on a ratio
.PHONY: bench
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...
	scripts/bench.sh

## soak: mock and load processes for SOAK_DURATION (30m) at SOAK_RATE (1000/s); fails if RSS grows over 10 % after warm-up
.PHONY: soak
soak:
	scripts/soak.sh

## fuzz: each native fuzz target for FUZZTIME (default 10s)
.PHONY: fuzz
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## lint: gofmt, go vet, staticcheck, and the layering guards (imports, os, no mutable globals)
.PHONY: lint
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...
	$(GO) test -count=1 ./internal/guard

## build: the s2s binary in bin/ (with its VCS revision: s2s --version)
.PHONY: build
build:
	$(GO) build -buildvcs=auto -o $(BIN) ./cmd/s2s

## install: s2s into $(go env GOPATH)/bin (or GOBIN), as go install ./cmd/s2s does, with its VCS revision
.PHONY: install
install:
	$(GO) install -buildvcs=auto ./cmd/s2s
	@dir=$$($(GO) env GOBIN); [ -n "$$dir" ] || dir=$$($(GO) env GOPATH)/bin; echo "installed $$dir/s2s"; \
	case ":$$PATH:" in *":$$dir:"*) ;; *) echo "$$dir is not on your PATH: export PATH=\"$$dir:\$$PATH\"";; esac

## help: this list
.PHONY: help
help:
	@awk '/^## /{sub(/^## /,""); n=index($$0,": "); printf "  %-8s %s\n", substr($$0,1,n-1), substr($$0,n+2)}' $(MAKEFILE_LIST)
