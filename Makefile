# The README's commands. Each target creates .venv and installs what it needs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV    := $(VENV)/.installed-dev
FLASK  := $(BIN)/flask --app school
HOST   ?= 127.0.0.1
PORT   ?= 5000
WORKERS ?= 4

.PHONY: run serve test lint format translations bench e2e clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(DEV): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP) $@

system-deps:
	@sh scripts/system-deps.sh

# Compile the message catalogs of every package (school, courses, quizzes, brochures).
translations: | $(BIN)/python
	@for pkg in school courses quizzes brochures; do \
	  if [ -d $$pkg/translations ]; then $(BIN)/pybabel compile -q -f -d $$pkg/translations; fi; \
	done

run: system-deps $(STAMP) translations
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

serve: system-deps $(STAMP) translations
	$(FLASK) db upgrade
	$(BIN)/gunicorn --workers $(WORKERS) --bind $(HOST):$(PORT) --access-logfile - \
	  --access-logformat '%(t)s "%(r)s" %(s)s %(b)s %(M)sms' 'school:create_app()'

lint: $(DEV)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(DEV)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The whole suite on SQLite, then again on PostgreSQL when TEST_DATABASE_URL is set.
test: system-deps $(DEV) translations lint
	$(BIN)/pytest -n 2 -p no:cacheprovider
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== again on $$TEST_DATABASE_URL"; \
	  DATABASE_URL="$$TEST_DATABASE_URL" $(BIN)/pytest -p no:cacheprovider -m "not slow"; \
	fi

bench: system-deps $(DEV) translations
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
