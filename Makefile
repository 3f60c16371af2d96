# The two commands of the README: `make run` and `make test`. Only python3 and make are needed.
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
VENV := .venv
BIN := $(VENV)/bin
export DJANGO_SETTINGS_MODULE := smartgov.settings

.PHONY: run test setup setup-dev system-packages lint migrate demo scores serve messages bench backup restore clean

run: setup system-packages migrate demo scores
	@echo ""
	@echo "  SmartGov runs on http://$(HOST):$(PORT)/   (admin: http://$(HOST):$(PORT)/admin/)"
	@echo "  Demo logins, password 'smartgov-demo' (demo data, generated):"
	@echo "    demo_officer   杭州市填报员 city data-entry officer, Hangzhou"
	@echo "    demo_reviewer  杭州市审核员 city reviewer, Hangzhou"
	@echo "    demo_province  浙江省审核员 provincial reviewer and analyst, Zhejiang"
	@echo "    demo_coordinator 浙江省协调员 provincial coordinator, Zhejiang (campaign console, people)"
	@echo "    demo_admin     平台管理员   platform administrator and national coordinator"
	@echo ""
	@sh scripts/serve.sh $(HOST) $(PORT)

# The whole suite on fresh test databases, on every core (pytest-xdist), with coverage; `pytest` alone (for quick
# local runs) runs in one process and reuses its test database.
test: setup-dev system-packages lint
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest --create-db -n auto --cov --cov-report=term:skip-covered

setup: $(VENV)/.installed
setup-dev: $(VENV)/.installed-dev

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the dependencies change, so that a second `make run` starts in seconds.
$(VENV)/.installed: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@ $(VENV)/.installed

system-packages:
	@sh scripts/system-packages.sh

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/djlint templates --lint
	$(BIN)/python scripts/mypy-check.py

migrate: setup
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py seed_demo

scores: demo
	$(BIN)/python manage.py score_cycle --all --stale

serve: setup
	@sh scripts/serve.sh $(HOST) $(PORT)

messages: setup
	$(BIN)/python manage.py makemessages -l zh_Hans -l en --ignore=.venv --ignore=var
	$(BIN)/python manage.py compilemessages --ignore=.venv

bench: setup-dev
	$(BIN)/python benchmarks/scoring.py

# Backups (docs/operations.md): `make backup` writes $(BACKUP_DIR)/smartgov-<UTC time>/ (database dump, media archive,
# manifest.json); `make restore BACKUP=… RESTORE_DATABASE_URL=… RESTORE_MEDIA_ROOT=…` restores it into a new, empty
# database and media folder, then checks every table, migration and file against the manifest.
BACKUP_DIR ?= var/backups

backup: setup
	$(BIN)/python manage.py backup $(BACKUP_DIR)

restore: setup
	@test -n "$(BACKUP)" -a -n "$(RESTORE_DATABASE_URL)" -a -n "$(RESTORE_MEDIA_ROOT)" || { echo "usage: make restore \
	BACKUP=var/backups/smartgov-… RESTORE_DATABASE_URL=postgres://…/new_empty_db RESTORE_MEDIA_ROOT=/new/media"; exit 2; }
	$(BIN)/python manage.py restore "$(BACKUP)" --database-url "$(RESTORE_DATABASE_URL)" \
		--media-root "$(RESTORE_MEDIA_ROOT)"

clean:
	rm -rf $(VENV) var
