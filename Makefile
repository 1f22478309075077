# s2s-harness. `make help` lists the targets.
GO      ?= go
FUZZTIME ?= 10s

.DEFAULT_GOAL := help

## run: start the reference mock on 127.0.0.1:8080 with zero configuration
.PHONY: run
run:
	$(GO) run ./cmd/s2s mock

## test: vet, then every test with the race detector (includes the conformance self-test)
.PHONY: test
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

## bench: every benchmark, with baselines measured in the same run
.PHONY: bench
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...
	@if [ -x scripts/bench-vegeta.sh ]; then scripts/bench-vegeta.sh; fi

## soak: mock and load processes for SOAK_DURATION (30m) at SOAK_RATE (1000/s); fails if RSS grows over 10 % after warm-up
.PHONY: soak
soak:
	scripts/soak.sh

## fuzz: each native fuzz target for FUZZTIME (default 10s)
.PHONY: fuzz
fuzz:
	FUZZTIME=$(FUZZTIME) scripts/fuzz.sh

## lint: gofmt and go vet
.PHONY: lint
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## build: the s2s binary in bin/
.PHONY: build
build:
	$(GO) build -o bin/s2s ./cmd/s2s

## help: this list
.PHONY: help
help:
	@awk '/^## /{sub(/^## /,""); n=index($$0,": "); printf "  %-6s %s\n", substr($$0,1,n-1), substr($$0,n+2)}' $(MAKEFILE_LIST)
