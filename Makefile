# The two set-up commands of the README, and the steps they are made of.
#   make test   install what is missing, build (Release), run every test suite
#   make demo   install what is missing, build, train the MLP on Adult and print its test metrics
BUILD ?= build
JOBS ?= 2

.PHONY: setup build test demo bench

setup:
	bash scripts/setup.sh

build: setup
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)

demo: build
	./$(BUILD)/cli/candor train --data adult --model mlp --hidden 64,64 --epochs 20 --seed 0 --out runs/demo

bench: build
	./$(BUILD)/bench/engine_bench
