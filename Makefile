# One entry point. `make` lists the commands.
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
export PATH := $(BIN):$(PATH)
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.DEFAULT_GOAL := help
.PHONY: help run test install install-test system-packages browser imap-server messages compile-messages migrate demo demo-shop lint format bench clean

help: ## list the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-18s %s\n", $$1, $$2}'

run: install compile-messages migrate demo ## install, migrate, load demo data, start web + worker + beat (+ the demo shop) on :8000
	honcho --procfile Procfile.dev start

test: install-test compile-messages ## install what the tests need, lint, run the whole suite
	ruff check .
	ruff format --check .
	pytest $(PYTEST_ARGS)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python system-packages node_modules/.package-lock.json ## create .venv and install the application's packages
	$(BIN)/pip install --quiet .

install-test: $(BIN)/python system-packages browser imap-server node_modules/.package-lock.json ## install the application's and the tests' packages
	$(BIN)/pip install --quiet ".[test]"

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

system-packages: ## Debian packages: gettext (translations)
	@command -v msgfmt >/dev/null || { apt-get update -qq && apt-get install -y -qq gettext; }

imap-server: ## Debian's dovecot, the IMAP server the mailbox tests start on loopback
	@command -v dovecot >/dev/null || { apt-get update -qq && apt-get install -y -qq dovecot-imapd; }

browser: ## Debian's Chromium, which the browser tests drive with Playwright
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

messages: ## collect translatable strings into locale/*/django.po
	python manage.py makemessages --locale ru --no-obsolete --ignore ".venv/*" --ignore "var/*" --ignore "bench/*" --ignore "tests/*" --ignore "node_modules/*"

compile-messages: ## compile locale/*/django.po into .mo files
	python manage.py compilemessages --ignore ".venv" --ignore "var" -v 0

migrate: ## apply database migrations
	python manage.py migrate --no-input -v 0

demo: ## load the demo data unless the database already has data
	python manage.py seed_demo --if-empty

demo-shop: ## run only the demo CommerceML shop on :8010 (make run starts it too)
	python -m demo_shop --host 127.0.0.1 --port 8010 --data var/demo_shop.json --login crm --password demo --tick 60

lint: ## ruff lint and format check
	ruff check . && ruff format --check .

format: ## apply ruff's fixes and formatting
	ruff check --fix . && ruff format .

bench: install ## run a benchmark: make bench NAME=seed SIZE=10000
	python -m bench $(NAME) --size $(SIZE)

clean: ## remove the virtualenv and local data (var/)
	rm -rf $(VENV) var
