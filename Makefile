# The targets are the contract: the README and CI use these, nothing else.
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: run test lint bench bench-scale build fuzz vuln

## run: start the service (managed local PostgreSQL when DATABASE_URL is unset)
run:
	$(GO) run -ldflags "-X main.version=$(VERSION)" ./cmd/tindaklanjut serve

## test: the whole test suite, against a real PostgreSQL
test:
	$(GO) test -race -count=1 -timeout 25m ./...

## lint: vet and formatting
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: the benchmarks quoted in issue notes, one package at a time (builds and other
## packages would compete with them for the CPU)
bench:
	$(GO) test -p 1 -run '^$$' -bench . -benchtime 3s -benchmem ./...

## bench-scale: the national-scale figures (issue 17): each request beside raw SQL doing the same
## work in the same run, at BENCH_CLIENTS concurrent clients, on BENCH_FINDINGS generated findings
## (with 2.5 actions and 10 events each), and the reminder planner's pass. Point TEST_DATABASE_URL
## at a kept server to generate each data set once (1,000,000 findings take 10-15 minutes, 7.5 GB)
BENCH_FINDINGS ?= 100000 1000000
BENCH_CLIENTS ?= 8 32
bench-scale:
	@set -e; for n in $(BENCH_FINDINGS); do for c in $(BENCH_CLIENTS); do \
	  echo "== $$n findings, $$c clients"; \
	  export TL_BENCH_FINDINGS=$$n TL_BENCH_CLIENTS=$$c; \
	  $(GO) test -p 1 -run '^$$' -bench 'BenchmarkSummary$$|ListVsRaw|SearchVsRaw|WritesVsRaw' -benchtime 3s -timeout 60m ./internal/api/; \
	  $(GO) test -p 1 -run '^$$' -bench 'Pages' -benchtime 3s -timeout 60m ./internal/web/; \
	  $(GO) test -p 1 -run '^$$' -bench 'IndexWithCarryOver' -benchtime 3s -timeout 60m ./internal/framework/; \
	done; \
	TL_BENCH_FINDINGS=$$n $(GO) test -p 1 -run '^$$' -bench 'Plan$$' -benchtime 1x -timeout 60m ./internal/notify/; \
	done

## build: the binary, with its version
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o tindaklanjut ./cmd/tindaklanjut

## fuzz: every native fuzz target (func FuzzXxx in a *_fuzz_test.go), each for FUZZTIME; a failing
## input is written under the package's testdata/fuzz/FuzzXxx/ (commit it with the fix, as a seed).
## .ci/fuzz runs them, and tells Go 1.26's end-of-time race (go.dev/issue/75804) from a failure.
FUZZTIME ?= 30s
# Inputs that find new coverage are minimized too, for up to a minute each by default, which would
# eat a short run's whole time; failing inputs are minimized within the same bound.
FUZZMINIMIZETIME ?= 2s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) FUZZMINIMIZETIME=$(FUZZMINIMIZETIME) ./.ci/fuzz

## vuln: govulncheck against a local vulnerability database built from the golang.org/x/vulndb
## module's OSV reports (by its cmd/indexdb); fails on a called vulnerable symbol of a module
## that has a fixed version. Called vulnerabilities of the standard library (fixed only by a newer
## Go toolchain) and of modules without a fix are listed and fail only with VULN_STRICT=1.
GOVULNCHECK ?= golang.org/x/vuln/cmd/govulncheck@v1.9.0
VULNDB_INDEXER ?= golang.org/x/vulndb/cmd/indexdb@v0.0.0-20261105234957-e22db6528018
VULNDB_REPORTS ?= golang.org/x/vulndb@latest
VULNDB_CACHE ?= $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/tindaklanjut/vulndb
VULN_STRICT ?=
vuln:
	@set -e; \
	info=$$(cd / && $(GO) mod download -json $(VULNDB_REPORTS)) || { echo "vuln: cannot download $(VULNDB_REPORTS): $$info"; exit 1; }; \
	src=$$(printf '%s\n' "$$info" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",*$$/\1/p'); \
	ver=$$(printf '%s\n' "$$info" | sed -n 's/^[[:space:]]*"Version": "\(.*\)",*$$/\1/p'); \
	db=$(VULNDB_CACHE)/$$ver; \
	if [ ! -f "$$db/index/db.json" ]; then \
	  echo "vuln: building the database of golang.org/x/vulndb@$$ver in $$db"; \
	  rm -rf "$$db.tmp"; mkdir -p "$$(dirname $$db)"; \
	  $(GO) run $(VULNDB_INDEXER) -vulns "$$src/data/osv" -out "$$db.tmp" || { echo "vuln: cannot build the database (above)"; exit 1; }; \
	  mv "$$db.tmp" "$$db"; \
	fi; \
	out=$$(mktemp); rc=0; \
	GOBIN=$(VULNDB_CACHE)/bin $(GO) install $(GOVULNCHECK); \
	$(VULNDB_CACHE)/bin/govulncheck -db "file://$$db" ./... >"$$out" 2>&1 || rc=$$?; \
	cat "$$out"; \
	if [ $$rc -eq 3 ] && grep -q '^ *Fixed in: [^ ]*@v[0-9]' "$$out"; then \
	  echo "vuln: a called vulnerable symbol of a module has a fixed version: upgrade it (go get MODULE@VERSION)"; rm -f "$$out"; exit 1; \
	elif [ $$rc -eq 3 ] && [ -n "$(VULN_STRICT)" ]; then \
	  echo "vuln: VULN_STRICT is set: the called vulnerabilities above fail the check"; rm -f "$$out"; exit 1; \
	elif [ $$rc -eq 3 ]; then \
	  echo "vuln: the vulnerabilities above are in the standard library (fixed by a newer Go toolchain) or have no fix yet; VULN_STRICT=1 fails on them"; \
	elif [ $$rc -ne 0 ]; then \
	  echo "vuln: govulncheck failed (exit $$rc)"; rm -f "$$out"; exit 1; \
	fi; \
	rm -f "$$out"
