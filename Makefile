# CSDL CBCCVC — the two commands: `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp
export FLASK_APP := run.py
TEST_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/cbccvc_test
export TEST_DATABASE_URL

.PHONY: install run test lint worker translations clean-db bench load

$(STAMP): requirements.txt requirements-dev.txt
	test -d $(VENV) || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt -r requirements-dev.txt
	touch $(STAMP)

install: $(STAMP) translations

translations: $(STAMP)
	$(BIN)/python -m babel.messages.frontend compile -f -d translations >/dev/null

run: install
	$(BIN)/flask db upgrade
	$(BIN)/flask sync-roles
	$(BIN)/flask seed-demo --if-empty
	-$(BIN)/flask pki init-dev
	@echo "Serving on http://127.0.0.1:5000"
	$(BIN)/python run.py

# RQ worker (jobs.worker.AppWorker: the app is built once, not once per job; with its scheduler for
# enqueue_at/enqueue_in) and RQ's cron scheduler for jobs/schedule.py's table (daily reminders at 07:00 Việt Nam
# time, the job reconciler every 5 minutes). A worker that exits (Redis down, a crash) is started again after a
# back-off (2 s doubling to 60 s; back to 2 s after a run of 5 minutes); stopping `make worker` stops both.
# Production: deploy/ (systemd units with Restart=always).
worker: install
	@: $${REDIS_URL:?set REDIS_URL}
	@bash deploy/run-forever.sh $(BIN)/rq cron --url $$REDIS_URL jobs.rq_cron & cron=$$!; \
	trap 'kill $$cron 2>/dev/null' EXIT INT TERM; \
	bash deploy/run-forever.sh $(BIN)/rq worker --worker-class jobs.worker.AppWorker --with-scheduler --url $$REDIS_URL \
		$${RQ_QUEUE:-cbccvc}

# Two pytest-xdist workers, each on a database and a Redis db of its own (tests/create_db.py); PYTEST_WORKERS=0
# runs the suite in one process. Bytecode is compiled once first and kept, even where the environment says
# PYTHONDONTWRITEBYTECODE (this machine kind does): the suite starts some hundred Python processes (workers,
# servers, CLI runs) that would each compile the app's 190 modules again (~0,5 s apiece), and pytest keeps its
# rewritten test modules. Idle workers steal tests from busy ones, so the slow tests do not all end on one.
PYTEST_WORKERS ?= 2
PYTEST_DIST ?= worksteal
test: install
	$(BIN)/python -m compileall -q -j 0 app views models jobs tests bench config.py run.py
	$(BIN)/python -m tests.create_db
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist $(PYTEST_DIST) $(PYTEST_ARGS)

# City-scale benchmark (issue 6): app through gunicorn vs hand-written SQL; see bench/README.md.
bench: install
	$(BIN)/python bench/run.py

# The month-end peak (issue 20 item 6): locust against gunicorn with deploy/gunicorn.conf.py on the bench city, with
# one RQ worker; LOAD_USERS users for LOAD_SECONDS seconds; bench/load.json and a table. See bench/README.md.
LOAD_USERS ?= 50
LOAD_SECONDS ?= 180
load: install
	LOAD_USERS=$(LOAD_USERS) LOAD_SECONDS=$(LOAD_SECONDS) $(BIN)/python bench/load.py

lint: install
	$(BIN)/ruff check .
