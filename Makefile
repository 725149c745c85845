# migplan — everything a fresh Debian 12 machine needs is installed by these targets.
SWIFT ?= swift
APT_PACKAGES := liblpsolve55-dev libcpuid-dev libxml2 pkg-config cpuid python3-yaml python3-jsonschema
EXAMPLE ?= examples/hosts
CONFIG ?= debug

.PHONY: all deps build release run test bench bench-roadef clean

all: build

# Installs the Debian packages that are missing (as root, or through sudo when there is one).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "swift is not on PATH (Swift 6.1 or newer is needed)"; exit 1; }

build: deps
	$(SWIFT) build -c $(CONFIG)

release: deps
	$(SWIFT) build -c release

# Builds and runs migplan on the example cluster's hosts.
run: build
	@bin=$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/migplan; set -x; \
	$$bin check Cascadelake-Server Skylake-Server || true; \
	$$bin check $(EXAMPLE)/esx-01-cascadelake.yaml $(EXAMPLE)/esx-03-skylake.yaml || true; \
	$$bin baseline $(EXAMPLE)/*.yaml; \
	$$bin baseline $(EXAMPLE)/*.yaml --format vmx; \
	$$bin baseline $(EXAMPLE)/*.yaml --format libvirt; \
	$$bin probe; \
	$$bin matrix --inventory examples/mixed-intel/inventory.yaml; \
	$$bin explain db-ledger esx-06 --inventory examples/mixed-intel/inventory.yaml || true; \
	$$bin check legacy-erp esx-01 --inventory examples/mixed-intel/inventory.yaml; \
	$$bin plan examples/mixed-intel/inventory.yaml

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@echo "== the embedding example builds against the library and runs"
	$(SWIFT) build --package-path examples/embedding
	$$($(SWIFT) build --package-path examples/embedding --show-bin-path)/readiness examples/mixed-intel/inventory.yaml esx-07 | tail -3

# Release-build figures for BENCHMARKS.md.
bench: deps
	$(SWIFT) build -c release
	$$($(SWIFT) build -c release --show-bin-path)/migplan bench cpu --hosts 1000 --hosts 10000
	$$($(SWIFT) build -c release --show-bin-path)/migplan bench matrix --size 16x400 --size 96x10000
	$$($(SWIFT) build -c release --show-bin-path)/migplan bench plan --max-moves-per-host 0
	$$($(SWIFT) build -c release --show-bin-path)/migplan bench plan

# The ROADEF/EURO 2012 table in BENCHMARKS.md: 60 s per instance, 16 instances (about 16 minutes).
bench-roadef: deps
	$(SWIFT) build -c release
	$$($(SWIFT) build -c release --show-bin-path)/migplan bench roadef --time-limit 60

clean:
	rm -rf .build
