# `make demo` and `make test` do all the set-up a fresh machine needs, then run.
PYTHON ?= python3
PIP := $(PYTHON) -m pip
SOURCES := $(shell find examkit reference_models questions templates -type f -not -name '*.pyc' 2>/dev/null) pyproject.toml
STAMP := .make/installed
OUT ?= demo-out

.PHONY: setup demo test test-fast bench clean

setup: $(STAMP)

$(STAMP): $(SOURCES) scripts/install-system-deps.sh
	bash scripts/install-system-deps.sh
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet '.[test]'
	mkdir -p .make && touch $@

demo: setup
	examkit exam build examples/unit12-quiz.yaml --format pdf,moodle,qti,html --out $(OUT)/exam
	examkit validate --seeds 50
	examkit bank coverage
	examkit bank list
	examkit bank show vae-neg-elbo-beta --seed 7
	examkit check vae-neg-elbo-beta --seed 7 --part b --answer "$$(examkit bank show vae-neg-elbo-beta --seed 7 --json | $(PYTHON) -c 'import json,sys; print(json.load(sys.stdin)["parts"][1]["answer"])')"
	examkit equiv 'p_data/(p_data+p_g)' '1/(1+p_g/p_data)' --assume 'p_data>0' --assume 'p_g>0'
	examkit bank show gan-mode-collapse --seed 3 --figures $(OUT)/figures
	examkit reference list
	examkit reference train vae --seed 0 --out $(OUT)/reference/vae
	examkit lab solution vae --out $(OUT)/lab/alice.ipynb
	examkit lab starter vae --out $(OUT)/lab/bob.ipynb
	examkit lab grade vae $(OUT)/lab/alice.ipynb $(OUT)/lab/bob.ipynb --out $(OUT)/lab/graded
	printf '0.5\n?\n!\nq\n' | examkit drill --question vae-kl-1d@3 --question vae-kl-closed-form@3 --answers - --db $(OUT)/drill.sqlite --figures $(OUT)/figures
	examkit drill --stats --db $(OUT)/drill.sqlite --out $(OUT)/drill-progress.png
	examkit practice sheet --topic vae --count 6 --seed 1 --out $(OUT)/practice-vae.html

test: setup
	$(PYTHON) -m pytest -q

test-fast: setup
	$(PYTHON) -m pytest -q -m "not slow"

bench: setup
	$(PYTHON) bench/check_latency.py
	$(PYTHON) bench/reference_training.py
	$(PYTHON) bench/exam_build.py
	$(PYTHON) bench/lab_grading.py

clean:
	rm -rf .make build dist *.egg-info $(OUT)
