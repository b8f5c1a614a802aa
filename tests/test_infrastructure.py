"""The project's set-up: production settings, deployment checks, migrations, docker-compose."""

import os
import shlex
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command, get_commands

ROOT = Path(__file__).resolve().parent.parent
REAL_KEY = "k3Jx9-production-like-secret-key-with-enough-entropy-0123456789abcdef"


def run_manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean_env = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean_env, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = run_manage("check", DJANGO_SETTINGS_MODULE="crm_project.settings.production")

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_settings_refuse_a_development_key():
    result = run_manage(
        "check",
        DJANGO_SETTINGS_MODULE="crm_project.settings.production",
        SECRET_KEY="django-insecure-development-only-key-but-long-enough-to-pass-length",
    )

    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_deployment_check_is_clean_under_production_settings():
    result = run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DJANGO_SETTINGS_MODULE="crm_project.settings.production",
        SECRET_KEY=REAL_KEY,
        ALLOWED_HOSTS="crm.example.com",
    )

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
def test_models_and_migrations_agree():
    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def compose_services() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def test_compose_file_defines_the_production_stack_with_health_checks():
    services = compose_services()

    assert set(services) == {"db", "redis", "migrate", "web", "worker", "beat"}
    for name in ("db", "redis", "web", "worker", "beat"):
        assert "healthcheck" in services[name], f"{name} has no health check"
    for name in ("migrate", "web", "worker", "beat"):
        assert (
            services[name]["environment"]["DJANGO_SETTINGS_MODULE"]
            == "crm_project.settings.production"
        )
    assert "postgres" in yaml.safe_load((ROOT / "docker-compose.yml").read_text())["volumes"]


@pytest.mark.parametrize("service", ["migrate", "web", "worker", "beat"])
def test_each_compose_command_exists_in_the_project(service):
    command = compose_services()[service]["command"]
    command = shlex.split(command) if isinstance(command, str) else command
    program = command[0]

    if program == "python":
        assert command[1] == "manage.py" and (ROOT / "manage.py").exists()
        assert command[2] in get_commands(), f"no management command {command[2]}"
    elif program == "gunicorn":
        module = command[1].replace(".", "/") + ".py"
        assert (ROOT / module).exists(), module
        assert "application =" in (ROOT / module).read_text()
    elif program == "celery":
        app = command[command.index("--app") + 1]
        assert (ROOT / app / "celery.py").exists()
        assert command[command.index("--app") + 2] in {"worker", "beat"}
    else:
        pytest.fail(f"unexpected program {program}")
    installed = (ROOT / "pyproject.toml").read_text().lower()
    if program in {"gunicorn", "celery"}:
        assert f'"{program}' in installed


def test_dockerfile_builds_the_image_compose_uses():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert compose_services()["web"]["build"] == "."
    assert "pip install --no-cache-dir ." in dockerfile
    assert "compilemessages" in dockerfile and "collectstatic" in dockerfile
