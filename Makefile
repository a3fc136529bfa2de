# The two set-up commands of the README, and the steps they are made of.
#   make test   install what is missing, build (Release), run every test suite
#   make demo   install what is missing, build, run scripts/demo.sh (train, fine-tune, sweep, audit)
BUILD ?= build
JOBS ?= 2

.PHONY: setup build test demo bench

setup:
	bash scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DCANDOR_NATIVE=ON
	cmake --build $(BUILD) -j $(JOBS)

# The report's browser test opens the demo's report in headless Chromium.
test: build
	bash scripts/setup.sh chromium fonts-liberation
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	CANDOR=./$(BUILD)/cli/candor bash scripts/demo.sh

bench: build
	./$(BUILD)/bench/engine_bench
