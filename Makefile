# Two entry points for a fresh clone: `make demo` and `make test`.
# Each installs what it needs (system packages, a virtual environment) first:
# the demo what voiceguide needs with its natural voice (Piper); the tests also the sound server
# and the optional player.
VENV   := .venv
BIN    := $(VENV)/bin
PYTHON ?= python3

.PHONY: setup demo test
setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml tools/install-system-deps.sh
	tools/install-system-deps.sh
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[piper]'
	touch $@

$(VENV)/.installed-for-tests: $(VENV)/.installed
	tools/install-system-deps.sh --for-tests
	$(BIN)/python -m pip install --quiet -e '.[test,simpleaudio]'
	touch $@

demo: setup
	$(BIN)/voiceguide export headache -o headache.mp3

test: $(VENV)/.installed-for-tests
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/python -m pytest
