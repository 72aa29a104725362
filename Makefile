# The two commands of the quick start, and the pieces behind them.
#   make run    install what is missing, build drpilot (only), start the demo
#   make test   install what is missing, build, run the whole suite (ctest)

BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 20

.PHONY: run test build demo-build deps fuzz-build asan-test bench format clean

deps:
	@scripts/install-deps

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

# Only what the demo needs: the drpilot binary, not the tests and benchmarks.
demo-build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target drpilot

run: demo-build
	$(BUILD)/drpilot demo

# libFuzzer targets need clang; without it the fuzz tests replay the seed corpus.
fuzz-build: deps
	@if command -v clang++ >/dev/null 2>&1; then \
	  test -f $(FUZZ_BUILD)/build.ninja || CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja \
	    -DDRPILOT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo; \
	  cmake --build $(FUZZ_BUILD) -j $(JOBS); \
	fi

test: build fuzz-build
	cd $(BUILD) && DRPILOT_FUZZ_DIR=$(CURDIR)/$(FUZZ_BUILD)/tests/fuzz DRPILOT_FUZZ_SECONDS=$(FUZZ_SECONDS) \
	  ctest --output-on-failure -j $(JOBS)

# The unit tests and those that start processes, under AddressSanitizer +
# UndefinedBehaviorSanitizer.
asan-test: deps
	test -f $(ASAN_BUILD)/build.ninja || cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DDRPILOT_SANITIZE=ON -DDRPILOT_BENCH=OFF -DDRPILOT_INTEGRATION=OFF
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -L 'unit|process' -j $(JOBS)

bench: build
	scripts/install-deps --bench
	bench/run-all

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(ASAN_BUILD)
