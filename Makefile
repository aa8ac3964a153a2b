# Two commands for newcomers: `make demo` and `make test`. Both create .venv and install on first use,
# and skip the install on later runs unless pyproject.toml changed.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: install demo test unit lint notebooks notebook-outputs clean browser site

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

IAMLAB := $(VENV)/bin/iamlab

# The main job: one real decision, then lab 01 graded twice - the untouched starter (fails, and says why)
# and the reference solution (full marks).
demo: install
	$(IAMLAB) --help
	@echo; echo "== One decision: a prefix written without its slash also grants fraud/v30/ =="
	$(IAMLAB) simulate aws docs/examples/simulate-request.json
	@echo; echo "== Lab 01, the starter files as a learner first sees them =="
	$(IAMLAB) check 01 --cloud aws || test $$? -eq 1
	@echo; echo "== Lab 01, the reference solution =="
	$(IAMLAB) check 01 --cloud aws --submission solutions/01-training-job/aws

lint: install
	$(VENV)/bin/ruff check checker tests bench
	$(VENV)/bin/mypy

# The differential test runs an independent evaluator under node; install it only when the lock file changed.
DIFF_NPM := tests/differential/node_modules/.installed-stamp

$(DIFF_NPM): tests/differential/package-lock.json
	npm ci --prefix tests/differential --no-audit --no-fund
	@touch $(DIFF_NPM)

# Under CI the class report is tested in a real browser: Debian's chromium, installed when missing.
unit: install $(DIFF_NPM)
	@if [ "$$CI" = true ]; then scripts/browser.sh; fi
	$(VENV)/bin/pytest tests

# Each notebook runs top to bottom and every output is compared with the one stored in it (nbval, not lax);
# a cell tagged nbval-ignore-output runs without comparing, notebooks/sanitize.cfg masks what varies by
# machine. docs/notebooks.md says how to write one; `make notebook-outputs` stores fresh outputs.
NBVAL := --nbval --nbval-sanitize-with notebooks/sanitize.cfg --nbval-current-env -p no:cacheprovider

notebooks: install
	@if ls notebooks/*.ipynb >/dev/null 2>&1; then $(VENV)/bin/pytest $(NBVAL) notebooks; fi

notebook-outputs: install
	$(VENV)/bin/jupyter nbconvert --to notebook --execute --inplace --ExecutePreprocessor.record_timing=False \
		$(or $(NB),notebooks/*.ipynb)

# The course site: pages generated from docs/, labs/ and the CLI, built with --strict (a broken link fails;
# never add --quiet: it hides the warnings --strict counts).
site: install
	$(PY) scripts/build_site.py build/site-docs
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

test: lint unit notebooks site

# Debian's chromium for the browser test of the class report (skipped locally while it is missing).
browser:
	scripts/browser.sh

# Long fuzzing runs (the short seeded runs are part of `make test`). IAMLAB_FUZZ_SECONDS sets the budget
# (per cloud for the prover, per reader for the readers) and IAMLAB_FUZZ_SEED another seed.
.PHONY: fuzz-prover fuzz-readers
fuzz-prover: install
	IAMLAB_FUZZ=long $(VENV)/bin/pytest -s -p no:randomly tests/soundness/test_prover_fuzz.py tests/soundness/test_fixed_principal_keys.py

fuzz-readers: install
	IAMLAB_FUZZ=long $(VENV)/bin/pytest -s -p no:randomly tests/soundness/test_reader_fuzz.py tests/soundness/test_reader_fuzz_atheris.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache

# Free LocalStack 4.14 on the host (no Docker): Python 3.13 venv in .localstack/, listens on 127.0.0.1:4566.
.PHONY: localstack localstack-stop
localstack:
	scripts/localstack.sh start

localstack-stop:
	scripts/localstack.sh stop
