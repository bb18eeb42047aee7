# Makefile: the two commands of the README, and a few more. A thin layer
# over CMake: `make demo` and `make check` each install what is missing
# (Debian packages), build, and run.
#
#   make demo    build (release) and run a guided session (data, runs, registry)
#   make check   build with AddressSanitizer + UBSan and run every test
#   make         build the release binary into build/cairn
#   make bench   the data store benchmark against git-lfs, git-annex,
#                restic and borg (docs/benchmarks.md)
#   make fuzz    build the libFuzzer targets with clang (build-fuzz/)
#   make install install the cairn binary into $(PREFIX)/bin

PREFIX ?= /usr/local
JOBS ?= 2

.PHONY: all deps build demo check bench fuzz install clean

all: build

deps:
	@./scripts/install-deps.sh

build: deps
	@cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build build -j$(JOBS) --target cairn-cli

demo: build
	@./scripts/demo.sh build/cairn

check: deps
	@cmake -S . -B build-check -DCMAKE_BUILD_TYPE=Debug \
		-DCAIRN_SANITIZE=address,undefined >/dev/null
	@cmake --build build-check -j$(JOBS)
	@cd build-check && ctest --output-on-failure -j$(JOBS)

bench: deps
	@cmake -S . -B build-release -DCMAKE_BUILD_TYPE=Release >/dev/null
	@cmake --build build-release -j$(JOBS) --target cairn-cli
	@bench/data-store.sh build-release/cairn

fuzz: deps
	@cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DCAIRN_FUZZ=ON \
		-DCAIRN_SANITIZE=address,undefined >/dev/null
	@cmake --build build-fuzz -j$(JOBS)

install: build
	install -D -m 0755 build/cairn $(DESTDIR)$(PREFIX)/bin/cairn

clean:
	rm -rf build build-check build-release build-fuzz
