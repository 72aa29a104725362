# The two commands of the quick start, and the pieces behind them.
#   make run        install what is missing, build drpilot (only), start the demo
#   make test       install what is missing, build, run the whole suite (ctest;
#                   the fuzz targets replay their seed corpus)
# and for development:
#   make asan-test  the unit, realtime and process tests under ASan + UBSan
#   make tsan-test  the tests that run threads under ThreadSanitizer
#   make fuzz       every fuzz target for FUZZ_SECONDS (default 600), JOBS at a
#                   time (libFuzzer, built with clang in build-fuzz); fails if
#                   any crashes
#   make bench      the benchmarks

BUILD      ?= build
FUZZ_BUILD ?= build-fuzz
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
JOBS       ?= $(shell nproc)
FUZZ_SECONDS ?= 600

.PHONY: run demo-ha test build demo-build deps fuzz-build fuzz asan-test tsan-test bench format clean

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

# Three controllers as one cluster on a local three-member etcd.
demo-ha: demo-build
	$(BUILD)/drpilot demo --ha

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The libFuzzer targets (clang, ASan + UBSan, instrumented libraries).
fuzz-build: deps
	@command -v clang++ >/dev/null 2>&1 || { echo "make fuzz needs clang++ (apt-get install clang)"; exit 1; }
	test -f $(FUZZ_BUILD)/build.ninja || CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -G Ninja \
	  -DDRPILOT_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) -j $(JOBS)

# The targets that cannot be built with libFuzzer run the regular build's
# mutate driver instead. New inputs are kept in $(FUZZ_BUILD)/fuzz-out/corpus
# for the next run; crashing inputs land in $(FUZZ_BUILD)/fuzz-out.
fuzz: fuzz-build $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS) --target fuzz_mutators
	tests/fuzz/fuzz-all $(FUZZ_SECONDS) $(JOBS) $(FUZZ_BUILD)/fuzz-out \
	  $(FUZZ_BUILD)/tests/fuzz/fuzzers.tsv $(BUILD)/tests/fuzz/fuzzers.tsv

# The tests that run in process and those that start processes (not the
# integration tests), under AddressSanitizer + UndefinedBehaviorSanitizer.
asan-test: deps
	test -f $(ASAN_BUILD)/build.ninja || cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DDRPILOT_SANITIZE=address -DDRPILOT_BENCH=OFF -DDRPILOT_INTEGRATION=OFF -DDRPILOT_TEST_EXECUTABLES=ON
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ctest --output-on-failure -L 'unit|realtime|process' -j $(JOBS)

# The tests that run threads (label `threads`: DNS server, HTTP server and
# client, checks, dynamodb checks, canary, reconciler, hooks, API server), and
# only they, built and run under ThreadSanitizer. A race fails the test (exit 66).
tsan-test: deps
	test -f $(TSAN_BUILD)/build.ninja || cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	  -DDRPILOT_SANITIZE=thread -DDRPILOT_BENCH=OFF -DDRPILOT_INTEGRATION=OFF -DDRPILOT_TEST_EXECUTABLES=ON
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target threaded_tests
	cd $(TSAN_BUILD) && TSAN_OPTIONS="second_deadlock_stack=1" ctest --output-on-failure -L threads -j $(JOBS)

bench: build
	scripts/install-deps --bench
	bench/run-all

format:
	clang-format -i $$(git ls-files '*.cpp' '*.h')

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(ASAN_BUILD) $(TSAN_BUILD)
