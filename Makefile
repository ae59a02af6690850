# The README's two commands: `make run` (the whole stack) and `make test` (the whole suite).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: run test lint bench tools clean

$(STAMP): pyproject.toml
	@bash deploy/ensure-tools.sh
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-*
	@touch $@

tools:
	@bash deploy/ensure-tools.sh

run: $(STAMP)
	$(BIN)/python -m deploy.stack

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -n 3 --dist loadfile

lint: $(STAMP)
	$(BIN)/ruff check .

# Every benchmark on both databases; each run's figures also land in var/bench/<name>-<db>.json.
BENCHES := bus booking claims claims_intake remittance
bench: $(STAMP)
	@mkdir -p var/bench
	@for db in sqlite postgres; do for name in $(BENCHES); do echo "== bench/$$name.py --db $$db"; \
		PYTHONPATH=. $(BIN)/python bench/$$name.py --db $$db --json var/bench/$$name-$$db.json || exit 1; \
	done; done

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
