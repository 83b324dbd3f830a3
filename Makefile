# The two commands a newcomer needs (see README.md):
#   make demo   — install what is missing, build, run the demo pipeline
#   make test   — install what is missing, build, run the whole test suite
# Other targets: build, bench, notebooks, format, clean.

BUILD_DIR ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=Release
DEMO_OUT ?= demo-out

.PHONY: deps configure build demo test bench notebooks clean format

deps:
	scripts/install-deps

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja $(CMAKE_FLAGS)

build: configure
	cmake --build $(BUILD_DIR) -j $(JOBS)

demo: build
	scripts/demo.sh $(BUILD_DIR)/cli/hitforge $(DEMO_OUT)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure --timeout 1200 -j 1

# Execute the five course notebooks headless (fails on any error); executed copies in notebooks/_work/executed/.
notebooks: build
	/usr/bin/python3 notebooks/run_notebooks.py --hitforge $(BUILD_DIR)/cli/hitforge

bench: build
	/usr/bin/python3 bench/bench_featurize.py --hitforge $(BUILD_DIR)/cli/hitforge

format:
	clang-format -i $$(git ls-files '*.h' '*.cpp')

clean:
	rm -rf $(BUILD_DIR) $(DEMO_OUT)
