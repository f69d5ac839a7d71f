# Two commands set up a fresh clone: `make demo` and `make test`. Each creates what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint golden docs runtime bench bench-size clean system-deps screenshots quality

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

## Build sites/demo into sites/demo/public.
demo: $(VENV)/.installed
	$(BIN)/funnelgen build sites/demo -o sites/demo/public
	@echo "The demo site is in sites/demo/public. Look at it: $(BIN)/python -m http.server -d sites/demo/public 8000"

# --ignore-scripts: vnu-jar's install script would fetch a Java runtime when none is found;
# system-deps installs Debian's instead.
node_modules/.installed: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

## Debian's Chromium (browser tests) and a Java runtime (the HTML validator), when missing.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing$$missing with apt-get"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

lint: $(VENV)/.installed
	$(BIN)/ruff check funnelgen tests bench
	$(BIN)/mypy

## The whole suite: lint, types, unit, build-a-site, CLI, wheel, browser and validator tests.
test: $(VENV)/.installed system-deps node_modules/.installed lint
	$(BIN)/python -m pytest

## Regenerate the golden copy of the demo site's output after an intended change.
golden: $(VENV)/.installed
	$(BIN)/python tests/golden.py

## Minify the browser runtime after editing funnelgen/runtime/funnelgen.js (a test checks it).
runtime: node_modules/.installed
	node_modules/.bin/terser funnelgen/runtime/funnelgen.js --ecma 2020 --define ANALYTICS=true --compress unsafe_arrows=true --mangle --output funnelgen/runtime/funnelgen.min.js
	node_modules/.bin/terser funnelgen/runtime/funnelgen.js --ecma 2020 --define ANALYTICS=false --compress unsafe_arrows=true --mangle --output funnelgen/runtime/funnelgen-core.min.js

## Build speed and memory against the floor, Pelican and MkDocs (installs them), 2,000 and 10,000 pages,
## then funnelgen serve's save-to-screen time on 50 funnels.
bench: $(VENV)/.installed system-deps
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/build_speed.py --pages 2000 10000 --runs 3
	$(BIN)/python bench/serve_latency.py --funnels 50 --edits 15

## Screenshots of the demo in every theme, phone and desktop, for the README (docs/screenshots).
## Debian's Chromium takes them; Roboto (fonts-roboto-unhinted) stands in for the phone's system font.
screenshots: $(VENV)/.installed system-deps
	@fc-list -q Roboto 2>/dev/null || { echo "Installing fonts-roboto-unhinted with apt-get"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-roboto-unhinted; }
	$(BIN)/python scripts/screenshots.py

# Lighthouse, pinned in its own folder so `make test` never downloads it.
quality/node_modules/.installed: quality/package.json quality/package-lock.json
	cd quality && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $@

## Page quality of the demo in every theme (slow, not part of `make test`): Lighthouse on a phone
## (Debian's headless Chromium, no network), the W3C HTML checker and page weight; a table, exit 1 on a miss.
quality: $(VENV)/.installed system-deps node_modules/.installed quality/node_modules/.installed
	$(BIN)/python scripts/quality.py

## Sizes: the runtime (raw, minified, gzipped) and every page of the demo.
bench-size: $(VENV)/.installed
	$(BIN)/python bench/size.py

## Regenerate docs/reference.md from the schema.
docs: $(VENV)/.installed
	$(BIN)/funnelgen schema docs > docs/reference.md

clean:
	rm -rf $(VENV) node_modules quality/node_modules sites/demo/public dist build
