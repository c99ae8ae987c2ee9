# Two commands do all the set-up on a fresh machine (Python 3.11, no root, no servers):
#   make run    install, migrate, load the demo district, serve it with gunicorn (DEBUG off)
#               and start the Celery workers with beat
#   make test   install the test tools, lint (ruff, the layers), run the whole test suite
# make dev is make run for development: runserver with auto-reload and DEBUG on.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run dev prepare test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed

# The database, its cache table and the demo district; seed_demo refuses when DEBUG=0 is exported
# (it sets the printed demo passwords), so run it on a copy meant for the demo.
prepare: $(VENV)/.installed
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "  网址见下方 web 进程的「打开 http://…」一行（服务实际监听的地址），用上表的演示账号登录；"
	@echo "  按 Ctrl-C 停止全部进程。"
	@echo ""

# As a small office runs it on one machine: gunicorn (gunicorn.conf.py) with DEBUG off, static
# files by WhiteNoise from var/static, plain http (HTTPS=1 only behind a TLS proxy). Mail goes to
# the console unless EMAIL_BACKEND is set.
run: prepare
	DEBUG=0 $(BIN)/python manage.py collectstatic --noinput -v0
	DEBUG=0 HOST=$(HOST) PORT=$(PORT) \
	EMAIL_BACKEND=$${EMAIL_BACKEND:-django.core.mail.backends.console.EmailBackend} \
	$(BIN)/honcho -f Procfile start

dev: prepare
	DEBUG=1 HOST=$(HOST) PORT=$(PORT) $(BIN)/honcho -f Procfile.dev start

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache
	$(BIN)/bandit -q -ll -c pyproject.toml -r accounts campaign config core orgs oversight pledges reviews
	$(BIN)/pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports --no-cache

bench: $(VENV)/.installed
	$(BIN)/python manage.py bench

clean:
	rm -rf $(VENV) var/db.sqlite3* var/celery* var/bench* var/static
