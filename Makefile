# Flowlab — every target creates .venv on first use and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
# Served on this machine only unless a deployment says otherwise (docs/deployment.md).
ADDRESS ?= 127.0.0.1

.PHONY: run test bench lint db clean

# A stamp per requirements file: reinstall only when the file changes.
$(VENV)/.runtime-installed: requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt $(VENV)/.runtime-installed
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# The OpenID Connect provider of the sign-in tests: a failed install only skips those tests.
$(VENV)/.oidc-installed: tests/oidc/requirements.txt $(VENV)/.dev-installed
	@$(BIN)/python -m pip install --quiet -r tests/oidc/requirements.txt && touch $@ \
	  || echo "make: the OpenID Connect test provider could not be installed; the sign-in tests will be skipped"

## run: migrate the database (seeding the demo team when empty) and serve http://$(ADDRESS):$(PORT)
run: $(VENV)/.runtime-installed
	$(BIN)/python -m vsm_core db upgrade --seed-demo
	$(BIN)/streamlit run app.py --server.address $(ADDRESS) --server.port $(PORT)

## test: the whole suite (unit, AppTest, browser tests where Chromium exists)
test: $(VENV)/.dev-installed $(VENV)/.oidc-installed
	$(BIN)/python -m pytest

## bench: time store load and the engine at scale; writes bench-results/
bench: $(VENV)/.dev-installed
	$(BIN)/python -m benchmarks.run

## lint: ruff over the code and tests
lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## db: only apply migrations
db: $(VENV)/.runtime-installed
	$(BIN)/python -m vsm_core db upgrade

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts bench-results
