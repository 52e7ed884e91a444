# The README's commands. Each target creates .venv and installs what it needs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
E2E    := $(VENV)/.installed-e2e
FLASK  := $(BIN)/flask --app school
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 4
JOB_WORKERS ?= 1

.PHONY: run serve test e2e bench lint format translations clean system-deps check-install

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

$(E2E): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,e2e]'
	touch $(STAMP) $(DEV) $@

system-deps:
	@PYTHON=$(PYTHON) sh scripts/system-deps.sh

# Compile the message catalogs of every package (school, webinars, courses, quizzes, finance, brochures).
translations: $(STAMP)
	@$(BIN)/python -c "from school.catalogs import compile_all; compile_all()"

run: system-deps $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

# gunicorn, and with REDIS_URL set the queue's workers (JOB_WORKERS, default 1): scripts/serve.sh.
serve: system-deps $(STAMP) translations
	$(FLASK) db upgrade
	@FLASK="$(FLASK)" GUNICORN=$(BIN)/gunicorn JOB_WORKERS=$(JOB_WORKERS) sh scripts/serve.sh \
	  --config gunicorn.conf.py --workers $(WORKERS) --bind $(HOST):$(PORT) 'school:create_app()'

# `pip install .` in a fresh venv outside the checkout, then migrate, seed and serve the
# installed app: a Russian home page, every feature's pages and a Russian workbook PDF.
check-install: system-deps
	@PYTHON=$(PYTHON) bash scripts/check-install.sh

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set
# (each pytest worker in its own schema; PDF-heavy tests marked slow run on SQLite only).
test: system-deps $(DEV) translations lint
	$(BIN)/pytest -n 2 -p no:cacheprovider -m "not live"
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on PostgreSQL ($$TEST_DATABASE_URL)"; \
	  PYTEST_DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest -n 2 -p no:cacheprovider -m "not slow and not live"; \
	fi

# Live tests: real-browser journeys (gunicorn on a fresh SQLite database, Debian's Chromium
# through Playwright), load and fault tests against gunicorn, and the attacker's sweep.
e2e: $(E2E) translations
	@PYTHON=$(PYTHON) sh scripts/system-deps.sh e2e
	E2E_REQUIRED=1 $(BIN)/pytest -p no:cacheprovider -m live

# Benchmarks: every figure of bench/README.md measured side by side in one run and printed,
# never asserted (about 14 minutes). PostgreSQL: make bench BENCH_ARGS="--database-url URL".
# First paint needs Debian's Chromium (installed here), the job queue Redis at BENCH_REDIS_URL
# (default redis://127.0.0.1:6379/12); BENCH_ARGS="--no-first-paint --no-queue" skips them.
bench: system-deps $(E2E) translations
	@PYTHON=$(PYTHON) sh scripts/system-deps.sh bench
	@# Bytecode as an installed copy has it, even where PYTHONDONTWRITEBYTECODE is set: every
	@# command the benchmarks start would otherwise compile the project again.
	$(BIN)/python -m compileall -q school webinars courses quizzes finance brochures bench
	$(BIN)/python -m bench $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
