# Two commands for a new user: `make demo` installs what is missing, builds and runs the whole
# journey on a real public trace; `make test` builds and runs every test.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: all deps build demo test bench fuzz clean

all: build

deps:
	@tools/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null

build: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j$(JOBS)

demo: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j$(JOBS) --target tracetune tgi-sim
	@$(BUILD)/tracetune demo --dir tracetune-demo

test: build
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS)

bench: build
	@bench/run.sh $(BUILD)

# Every fuzz harness for FUZZ_SECONDS each (clang + ASan + UBSan build in build-fuzz).
FUZZ_SECONDS ?= 1800
fuzz: deps
	@fuzz/run.sh $(FUZZ_SECONDS) build-fuzz

clean:
	rm -rf $(BUILD) build-asan build-tsan build-fuzz tracetune-demo
