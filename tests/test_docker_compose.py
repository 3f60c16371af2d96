"""docker-compose.yml refers only to things that exist in the project (no engine here to run it)."""

import re
from pathlib import Path

import yaml
from django.core.management import get_commands

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def _command(service):
    command = COMPOSE["services"][service]["command"]
    return command if isinstance(command, str) else " ".join(command)


def test_it_has_the_seven_services_with_healthchecks_where_they_serve():
    assert set(COMPOSE["services"]) == {"postgres", "redis", "web", "nginx", "worker", "report-worker", "beat"}
    for service in ("postgres", "redis", "web", "worker", "report-worker"):
        assert "healthcheck" in COMPOSE["services"][service], service


def test_manage_py_commands_exist():
    used = re.findall(r"manage\.py (\w+)", " ".join(_command(s) for s in ("web",)))
    assert used
    assert set(used) <= set(get_commands())


def test_the_wsgi_application_and_celery_app_exist():
    from smartgov.celery import app
    from smartgov.wsgi import application

    assert "smartgov.wsgi:application" in _command("web")
    assert application is not None
    assert "-A smartgov" in _command("worker")
    assert "-A smartgov" in _command("report-worker")
    assert "-A smartgov" in _command("beat")
    assert _command("beat").split()[:4] == ["celery", "-A", "smartgov", "beat"]
    assert COMPOSE["services"]["beat"]["restart"] in ("always", "unless-stopped")
    assert app.main == "smartgov"


def test_every_variable_it_sets_is_read_by_the_settings_and_documented():
    settings_source = (ROOT / "smartgov" / "settings.py").read_text()
    readme = (ROOT / "README.md").read_text()
    env_example = {line.split("=", 1)[0] for line in (ROOT / ".env.example").read_text().splitlines()
                   if line and not line.startswith("#")}
    variables = set(COMPOSE["x-app"]["environment"]) | env_example
    for variable in variables:
        assert f'"{variable}"' in settings_source, variable
        assert f"`{variable}`" in readme, variable


def test_the_workers_consume_the_queues_the_settings_route_to():
    """Score runs and light jobs on the default queue, PDF builds on the reports queue: the `worker` consumes
    the first only, the `report-worker` the second only, each named as the settings name it (same variable, same
    default)."""
    queues = {service: re.search(r"-Q \$\{(\w+):-([\w.-]+)\}", _command(service)).groups()
              for service in ("worker", "report-worker")}
    assert queues["worker"] == ("CELERY_QUEUE", "smartgov")
    assert queues["report-worker"] == ("CELERY_REPORTS_QUEUE", "reports")
    settings_source = (ROOT / "smartgov" / "settings.py").read_text()
    assert 'env.str("CELERY_QUEUE", default="smartgov")' in settings_source
    assert 'env.str("CELERY_REPORTS_QUEUE", default="reports")' in settings_source


def test_the_image_build_files_exist():
    assert (ROOT / "Dockerfile").exists()
    assert (ROOT / ".env.example").exists()
    assert COMPOSE["x-app"]["env_file"] == ".env"
