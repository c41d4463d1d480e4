# The two commands a newcomer needs: `make run` (the main job) and `make test` (the tests).
# Both create .venv with Python 3.12 when it is missing and install the project into it.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test lint clean

$(STAMP): pyproject.toml
	test -x $(PY) || $$(.ci/find-python) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/bordersim sweep experiments/classroom.yaml --out sweeps/classroom
	$(VENV)/bin/bordersim report sweeps/classroom

test: $(STAMP)
	$(VENV)/bin/ruff check sim tests tools $(wildcard benchmarks)
	$(PY) -m pytest -n 2 -q

lint: $(STAMP)
	$(VENV)/bin/ruff check sim tests tools $(wildcard benchmarks)

clean:
	rm -rf $(VENV) runs sweeps .pytest_cache
