# The front door. Every target installs what is missing first (make deps), so a fresh
# Debian 12 machine needs no manual step.
BUILD    ?= build
PREFIX   ?= /usr/local
PORTABLE ?= 0
JOBS     ?= $(shell nproc)
CCACHE   := $(shell command -v ccache 2>/dev/null)
CMAKE_FLAGS := -DCMAKE_BUILD_TYPE=Release -DATTN_PORTABLE=$(if $(filter 1,$(PORTABLE)),ON,OFF) \
  $(if $(CCACHE),-DCMAKE_CXX_COMPILER_LAUNCHER=$(CCACHE))

DEB_PACKAGES := g++ cmake make clang libclang-rt-14-dev libopenblas-dev \
  libboost-program-options-dev libboost-serialization-dev libfmt-dev nlohmann-json3-dev \
  libsentencepiece-dev sentencepiece zlib1g-dev libzip-dev libyaml-cpp-dev libgtest-dev libbenchmark-dev python3 python3-numpy python3-torch \
  pocketsphinx-en-us libopenmpi-dev openmpi-bin

.PHONY: all build deps test demo bench asan fuzz install clean

all: build

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "make deps: installing" $$missing; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "make deps: missing packages; run: sudo apt-get install -y" $$missing; exit 1; \
	  fi; \
	fi

build: deps
	@cmake -S . -B $(BUILD) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j$(JOBS)

test: build
	cd $(BUILD) && ctest -j$(JOBS) --output-on-failure --timeout 900

demo: build
	bash examples/reverse/run.sh $(BUILD)

bench: build
	bash tests/bench/run.sh $(BUILD)

asan: deps
	@cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTN_PORTABLE=ON -DATTN_SANITIZE=ON >/dev/null
	@cmake --build build-asan -j$(JOBS)
	cd build-asan && ASAN_OPTIONS=detect_leaks=1 ctest -j$(JOBS) --output-on-failure --timeout 1800 -E 'bench|slow'

fuzz: deps
	@CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DATTN_PORTABLE=ON -DATTN_FUZZ=ON -DATTN_TESTS=OFF >/dev/null
	@cmake --build build-fuzz -j$(JOBS)
	bash tests/fuzz/run.sh build-fuzz $(or $(FUZZ_SECONDS),60)

install: build
	cmake --install $(BUILD) --prefix $(PREFIX)

clean:
	rm -rf build build-asan build-fuzz
