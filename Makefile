# GrantFlow — the two commands: `make run` and `make test`.
SHELL := /bin/bash
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
MAILPIT_VERSION := v1.33.1
WORKFLOWCHECK := go.temporal.io/sdk/contrib/tools/workflowcheck@v0.6.0
GOLANGCI_LINT_VERSION := v2.15.0
export GOFLAGS := -buildvcs=false

.PHONY: run build minio mailpit golangci-lint deps test test-unit test-integration lint bench fuzz chaos clean

## run: install what is missing, build, and start the whole stack with demo data
run: deps minio mailpit build
	./bin/grantflow-dev

## build: the production binary and the dev stack
build:
	go build -o bin/grantflow ./cmd/grantflow
	go build -o bin/grantflow-dev ./cmd/grantflow-dev

minio: bin/minio
bin/minio:
	deploy/dev/ensure-minio.sh $(MINIO_VERSION) bin/minio

# mailpit: the dev stack's SMTP server and web inbox at bin/mailpit (built once into ~/.cache/grantflow)
mailpit: bin/mailpit
bin/mailpit:
	deploy/dev/ensure-mailpit.sh $(MAILPIT_VERSION) bin/mailpit

# golangci-lint: the pinned linter at bin/golangci-lint (built once into ~/.cache/grantflow)
golangci-lint:
	deploy/dev/ensure-golangci-lint.sh $(GOLANGCI_LINT_VERSION) bin/golangci-lint

deps:
	deploy/dev/ensure-packages.sh run

## test: unit, workflow, integration and browser tests against real services
test:
	deploy/dev/ensure-packages.sh test
	$(MAKE) minio mailpit
	go test -count=1 -timeout 45m ./...
	FUZZTIME=3s deploy/dev/fuzz.sh

test-unit:
	deploy/dev/ensure-packages.sh test
	go test -count=1 $$(go list ./... | grep -v /internal/itest)

test-integration: minio mailpit
	go test -count=1 -v -timeout 45m ./internal/itest

## lint: go.mod tidy, go vet, gofmt, golangci-lint (.golangci.yml), the OpenAPI 3.1 validator on web/openapi.yaml (and its schemas against the Go types), and Temporal's workflow determinism checker
lint: golangci-lint
	@go mod tidy -diff || { echo "go.mod/go.sum are not tidy: run go mod tidy"; exit 1; }
	go vet ./...
	go test -count=1 -run TestOpenAPI ./web
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	bin/golangci-lint run ./...
	go run $(WORKFLOWCHECK) ./workflows/...

## fuzz: every fuzz target for FUZZTIME each (default 60s); make test runs each 3s
FUZZTIME ?= 60s
fuzz:
	FUZZTIME=$(FUZZTIME) deploy/dev/fuzz.sh

## chaos: a long fault-injection round (internal/chaos): N lifecycles, FAULTS faults, SEED replays one
N ?= 100
FAULTS ?= 300
SEED ?= 0
GAP ?= 3s
STAGGER ?= 12s
BID_WINDOW ?= 300s
chaos: minio mailpit
	go build -o bin/grantflow ./cmd/grantflow
	go build -o bin/grantflow-chaos ./cmd/grantflow-chaos
	./bin/grantflow-chaos -n $(N) -faults $(FAULTS) -seed $(SEED) -gap $(GAP) -stagger $(STAGGER) -bid-window $(BID_WINDOW) -bin bin/grantflow

## bench: benchmarks print figures (PDF rendering, …)
bench:
	go test -run '^$$' -bench . -benchmem ./internal/...

clean:
	rm -rf bin
