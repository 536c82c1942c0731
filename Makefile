# `make demo` and `make test` do all the set-up a fresh machine needs, then run.
# Everything installs into the project's own virtual environment, .venv/ (never the system Python).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
EXAMKIT := $(VENV)/bin/examkit
STAMP := $(VENV)/.examkit-installed
OUT ?= demo-out
# Test files spread over the cores; a file's module fixtures (shared trained runs, built exams) are built once.
XDIST ?= -n auto --dist loadfile
PYTEST := $(PY) -m pytest -q --durations=15 $(XDIST)

.PHONY: setup demo test test-fast lint format bench clean

setup: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV) || { echo "could not create $(VENV): install Python's venv module (Debian: apt-get install python3-venv)"; exit 1; }

# Editable install: code and bank edits take effect without reinstalling; only the dependency list
# (pyproject.toml) and the Debian packages re-trigger it.
$(STAMP): pyproject.toml scripts/install-system-deps.sh | $(PY)
	bash scripts/install-system-deps.sh
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -e '.[all,test]'
	touch $@

demo: setup
	$(EXAMKIT) exam build examples/unit12-quiz.yaml --format pdf,moodle,qti,html --answer-sheets --out $(OUT)/exam
	$(EXAMKIT) validate --seeds 50
	$(EXAMKIT) bank coverage
	$(EXAMKIT) bank list
	$(EXAMKIT) bank show vae-neg-elbo-beta --seed 7
	$(EXAMKIT) check vae-neg-elbo-beta --seed 7 --part b --answer "$$($(EXAMKIT) bank show vae-neg-elbo-beta --seed 7 --json | $(PY) -c 'import json,sys; print(json.load(sys.stdin)["parts"][1]["answer"])')"
	$(EXAMKIT) equiv 'p_data/(p_data+p_g)' '1/(1+p_g/p_data)' --assume 'p_data>0' --assume 'p_g>0'
	$(EXAMKIT) bank show gan-mode-collapse --seed 3 --figures $(OUT)/figures
	$(EXAMKIT) reference list
	$(EXAMKIT) reference train vae --seed 0 --out $(OUT)/reference/vae
	$(EXAMKIT) lab solution vae --out $(OUT)/lab/alice.ipynb
	$(EXAMKIT) lab starter vae --out $(OUT)/lab/bob.ipynb
	$(EXAMKIT) lab grade vae $(OUT)/lab/alice.ipynb $(OUT)/lab/bob.ipynb --out $(OUT)/lab/graded
	printf '0.5\n?\n!\nq\n' | $(EXAMKIT) drill --question vae-kl-1d@3 --question vae-kl-closed-form@3 --answers - --db $(OUT)/drill.sqlite --figures $(OUT)/figures
	$(EXAMKIT) drill --stats --db $(OUT)/drill.sqlite --out $(OUT)/drill-progress.png
	$(EXAMKIT) practice sheet --topic vae --count 6 --seed 1 --out $(OUT)/practice-vae.html
	@echo "demo outputs are in $(OUT)/ (use examkit as $(EXAMKIT), or: source $(VENV)/bin/activate)"

test: setup
	$(PYTEST)

test-fast: setup
	$(PYTEST) -m "not slow"

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

format: setup
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

bench: setup
	$(PIP) install --quiet -e '.[all,bench]'  # nbclient and ipykernel, for bench/lab_grading.py
	$(PY) bench/check_latency.py
	$(PY) bench/reference_training.py
	$(PY) bench/exam_build.py
	$(PY) bench/exam_build.py --final
	$(PY) bench/lab_grading.py
	$(PY) bench/class_load.py --servers 1
	$(PY) bench/class_load.py --servers 2

clean:
	rm -rf build dist *.egg-info $(OUT)
