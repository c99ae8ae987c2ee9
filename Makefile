# Two commands do all the set-up on a fresh machine (Python 3.11, no root, no servers):
#   make run    install, migrate, load the demo district, start web + Celery worker/beat
#   make test   install the test tools, lint (ruff, the layers), run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  打开 http://$(HOST):$(PORT)/ 登录（演示账号见上表）；按 Ctrl-C 停止全部进程。"
	@echo ""
	HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

bench: $(VENV)/.installed
	$(BIN)/python manage.py bench

clean:
	rm -rf $(VENV) var/db.sqlite3* var/celery* var/bench*
