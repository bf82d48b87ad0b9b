# The two commands a newcomer needs: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run install test bench messages clean

$(STAMP): requirements.txt
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required, found " + sys.version' 
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP) messages

messages: $(STAMP)
	$(PY) scripts/compile_messages.py

# Serve the app with demo data on the embedded default (SQLite, tasks in-process).
run: install
	scripts/install_system_deps.sh --run
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo
	$(PY) manage.py runserver 127.0.0.1:8000

# The whole suite; see scripts/test.sh for what runs where.
test: install
	scripts/test.sh

bench: install
	bench/run.sh

clean:
	rm -rf $(VENV) var
