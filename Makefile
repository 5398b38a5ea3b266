# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.12
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-requirements

.PHONY: run test lint install messages compilemessages
.DEFAULT_GOAL := run

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

install: $(STAMP)

# Install, migrate a SQLite database, add the seed fixtures' missing rows (rows that
# exist, and what writers changed in them, stay as they are) and serve on 127.0.0.1:8000.
run: $(STAMP)
	DJANGO_DEBUG=1 $(BIN)/python manage.py migrate --no-input
	DJANGO_DEBUG=1 $(BIN)/python manage.py seed fixtures/*.json
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

# Translators: `make messages` brings locale/*/LC_MESSAGES/django.po in step with the
# code and templates (new strings arrive untranslated); translate them, then
# `make compilemessages` writes the .mo files Django reads. Both files are committed;
# the tests fail while either is stale (confnotes/messages.py).
messages: $(STAMP)
	$(BIN)/python -m confnotes.messages update

compilemessages: $(STAMP)
	$(BIN)/python -m confnotes.messages compile

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The whole test suite, with the checks CI needs.
test: $(STAMP) lint
	DJANGO_SECRET_KEY=confnotes-check-only $(BIN)/python manage.py check --fail-level WARNING
	DJANGO_SECRET_KEY=confnotes-check-only $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest --durations=10
