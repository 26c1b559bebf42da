# The targets are the contract: the README and CI use these, nothing else.
GO ?= go
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)

.PHONY: run test lint bench build

## run: start the service (managed local PostgreSQL when DATABASE_URL is unset)
run:
	$(GO) run -ldflags "-X main.version=$(VERSION)" ./cmd/tindaklanjut serve

## test: the whole test suite, against a real PostgreSQL
test:
	$(GO) test -race -count=1 ./...

## lint: vet and formatting
lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## bench: the benchmarks quoted in issue notes, one package at a time (builds and other
## packages would compete with them for the CPU)
bench:
	$(GO) test -p 1 -run '^$$' -bench . -benchtime 3s -benchmem ./...

## build: the binary, with its version
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION)" -o tindaklanjut ./cmd/tindaklanjut
