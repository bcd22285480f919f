# Clockroom. The two commands a newcomer needs:
#   make run    the whole app at http://localhost:8080, nothing to configure
#   make test   every test, against real PostgreSQL, stripe-mock and Chromium

GO ?= go
BIN := bin/clockroom

.PHONY: run test build deps test-deps vet bench bench-quick bench-go clean

## run: start Clockroom with its own PostgreSQL, demo data and a local Stripe emulator
run: deps build
	./$(BIN) serve

## build: compile the server into bin/
build:
	$(GO) build -o $(BIN) ./cmd/clockroom

## test: install what tests need, then vet and run every test
test: test-deps
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 30m ./...

## bench: start the real server as `make run` does and load it (about 10 minutes; not part of make test)
bench: deps build
	$(GO) build -o bin/clockbench ./cmd/clockbench
	./bin/clockbench -server $(BIN) $(BENCH_FLAGS)

## bench-quick: the same in about a minute, with fewer rounds and a smaller large database
bench-quick:
	$(MAKE) bench BENCH_FLAGS=-quick

## bench-go: the Go benchmarks of the hot paths (tariff, ticket codes, listing, scan)
bench-go: test-deps
	$(GO) test -run '^$$' -bench . -benchmem ./internal/tariff/ ./models/ ./handlers/

deps:
	@./.ci/deps run

test-deps:
	@./.ci/deps test

vet:
	$(GO) vet ./...

## clean: remove the build output (not the private database in .clockroom/)
clean:
	rm -rf bin
