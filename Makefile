# Two commands do all the set-up on a fresh machine:
#   make demo   -- the main job: prepare demo data, train PSNR then ESRGAN on CPU, write the table
#   make test   -- the test suite
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.srzoo-installed

.PHONY: env test demo lint clean

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.13.0 $(TORCH_PIP_ARGS)
	$(PY) -m pip install -q -e ".[test]"
	touch $(STAMP)

env: $(STAMP)

test: $(STAMP)
	$(PY) -m ruff check srzoo tools tests
	$(PY) -m pytest -q -n 2 tests

demo: $(STAMP)
	$(PY) tools/demo.py

clean:
	rm -rf $(VENV) work_dirs data/demo
