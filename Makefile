# The two commands of the README:
#   make run    set up, build the index, serve the sample help centre on http://127.0.0.1:5000
#   make test   set up and run the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: run test setup index check lint bench clean preview

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,serve]'
	rm -f $(VENV)/.installed-* && touch $@

# The interface translations: each .po compiled to the .mo Flask-Babel reads
# (git-ignored), again whenever the .po changes.
CATALOGS := $(patsubst %.po,%.mo,$(wildcard portal/translations/*/LC_MESSAGES/messages.po))

setup: $(STAMP) $(CATALOGS)

portal/translations/%/LC_MESSAGES/messages.mo: portal/translations/%/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile --statistics -i $< -o $@

index: setup
	$(BIN)/python build_index.py

check: setup
	$(BIN)/python build_index.py --check --strict

run: index
	$(BIN)/flask --app portal run --host 127.0.0.1 --port 5000

preview: setup
	$(BIN)/flask --app portal preview --host 127.0.0.1 --port 5000

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

bench: setup
	$(BIN)/python bench/build_and_query.py

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache $(CATALOGS)
