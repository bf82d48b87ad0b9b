"""The deployment files, checked without Docker (which cannot run on the development machines).

docker-compose.yml and the Dockerfile are read as data: every module, Celery app, management
command, settings module, environment variable, health-check URL and file they name must exist
here. The production settings are loaded for real in subprocesses (`check --deploy`,
`collectstatic` with the production storage, gunicorn answering the compose health check).
"""
import os
import re
import shlex
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = ("web", "worker", "beat")
DOCKERFILE = (ROOT / "Dockerfile").read_text()
SECRET_VARIABLES = ("DJANGO_SECRET_KEY", "POSTGRES_PASSWORD")
TEST_SECRET = "test-deploy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ"

# What `docker compose` would be given: secrets from the operator, the rest left to the defaults.
OPERATOR_ENV = {
    "DJANGO_SECRET_KEY": TEST_SECRET,
    "POSTGRES_PASSWORD": "test-db-password",
    "DJANGO_ALLOWED_HOSTS": "cadre.example.org,www.cadre.example.org",
}

_VARIABLE = re.compile(r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|:\?|-|\?)(?P<arg>[^}]*))?\}")


def interpolate(value: str, env: dict) -> str:
    """Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR:?error}; $$ is a literal $."""

    def substitute(match):
        if match.group(0) == "$$":
            return "$"
        name, op, arg = match.group("name"), match.group("op"), match.group("arg")
        value = env.get(name)
        if op in (":?", "?") and not value:
            raise KeyError(f"compose would refuse to start: {name}: {arg}")
        if op in (":-", "-") and not value:
            return arg
        return value or ""

    return _VARIABLE.sub(substitute, str(value))


def service_environment(service: str, operator_env: dict = OPERATOR_ENV) -> dict:
    return {key: interpolate(value, operator_env) for key, value in SERVICES[service]["environment"].items()}


def command_words(service: str) -> list[str]:
    command = SERVICES[service]["command"]
    words = shlex.split(command) if isinstance(command, str) else list(command)
    if words[:2] == ["sh", "-c"]:  # sh -c "a && b && exec c": the words of each step
        words = [w for w in shlex.split(words[2]) if w not in ("&&", "exec")]
    return words


def subprocess_env(tmp_path: Path, extra: dict) -> dict:
    """The environment of a production process here: the compose environment, with the database
    on a throwaway SQLite file (nothing here can reach the compose `postgres` host)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL", "REDIS_URL"))}
    env.update(extra)
    env.update(
        DJANGO_SETTINGS_MODULE="backend.settings",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        REDIS_URL="",
        DJANGO_VAR_DIR=str(tmp_path / "var"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return env


def run_python(args: list[str], env: dict, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
        stdin=subprocess.DEVNULL,
    )


# --- docker-compose.yml as data ----------------------------------------------------------------


def test_compose_has_the_five_services_on_the_expected_images():
    assert set(SERVICES) == {"postgres", "redis", "web", "worker", "beat"}
    assert SERVICES["postgres"]["image"] == "postgres:15"
    assert SERVICES["redis"]["image"] == "redis:7"
    for name in APP_SERVICES:
        assert SERVICES[name]["build"] == ".", name


def test_every_volume_a_service_mounts_is_a_declared_named_volume():
    declared = set(COMPOSE["volumes"])
    used = set()
    for name, service in SERVICES.items():
        for mount in service.get("volumes", []):
            source = mount.split(":")[0]
            assert not source.startswith((".", "/")), f"{name} mounts a host path {source}: use a named volume"
            used.add(source)
    assert used == declared
    assert {"pgdata", "redisdata", "media"} <= declared


def test_app_services_run_production_settings_with_required_secrets():
    for name in APP_SERVICES:
        environment = SERVICES[name]["environment"]
        assert environment["DJANGO_ENV"] == "production"
        for key in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL"):
            assert key in environment, (name, key)
        # A secret has no default: compose stops with the message instead of starting without it.
        assert environment["DJANGO_SECRET_KEY"].startswith("${DJANGO_SECRET_KEY:?")
        for value in environment.values():
            for secret in SECRET_VARIABLES:
                assert f"${{{secret}:-" not in value and f"${{{secret}-" not in value, (name, value)
        assert service_environment(name)["DATABASE_URL"].startswith("postgres://cadre:test-db-password@postgres:5432/")
        assert service_environment(name)["REDIS_URL"].startswith("redis://redis:6379/")
    with pytest.raises(KeyError, match="DJANGO_SECRET_KEY"):
        service_environment("web", {k: v for k, v in OPERATOR_ENV.items() if k != "DJANGO_SECRET_KEY"})
    assert SERVICES["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_every_environment_variable_given_to_the_app_is_read_by_the_settings():
    """A misspelt name in compose would be silently ignored, and a default used instead."""
    settings_source = "\n".join(p.read_text() for p in (ROOT / "backend" / "settings").glob("*.py"))
    read_elsewhere = {"GUNICORN_CMD_ARGS"}  # gunicorn's own
    for name in APP_SERVICES:
        for key in SERVICES[name]["environment"]:
            if key in read_elsewhere:
                continue
            assert f'"{key}"' in settings_source, f"{name}: {key} is not read by backend/settings"


def test_web_migrates_collects_static_then_serves_the_wsgi_app():
    words = command_words("web")
    commands = get_commands()
    steps = " ".join(words)
    assert "manage.py migrate --noinput" in steps and "manage.py collectstatic --noinput" in steps
    assert steps.index("migrate") < steps.index("collectstatic") < steps.index("gunicorn")
    assert (ROOT / "manage.py").exists()
    assert "migrate" in commands and "collectstatic" in commands
    target = words[words.index("gunicorn") + 1]
    module, _, attribute = target.partition(":")
    assert module == "backend.wsgi"
    assert callable(getattr(import_module(module), attribute or "application"))
    gunicorn_args = service_environment("web")["GUNICORN_CMD_ARGS"]
    assert "--bind 0.0.0.0:8000" in gunicorn_args
    assert any(port.endswith(":8000") for port in SERVICES["web"]["ports"])


def test_worker_and_beat_name_the_projects_celery_app():
    from celery.app.utils import find_app

    from backend.celery import app

    for name, subcommand in (("worker", "worker"), ("beat", "beat")):
        words = command_words(name)
        assert words[0] == "celery" and words[words.index("-A") + 1] == "backend", words
        assert subcommand in words
        assert find_app("backend") is app
    assert app.main == "backend"
    app.loader.import_default_modules()  # what a worker does at start: autodiscover the apps' tasks
    assert "accounts.roster_import_apply" in app.tasks
    beat = command_words("beat")
    # beat writes its schedule: into the one folder the image's user may write.
    assert beat[beat.index("--schedule") + 1].startswith("/app/var/")


def test_health_checks():
    assert "pg_isready" in " ".join(SERVICES["postgres"]["healthcheck"]["test"])
    assert SERVICES["redis"]["healthcheck"]["test"][-2:] == ["redis-cli", "ping"]
    web_check = " ".join(SERVICES["web"]["healthcheck"]["test"])
    paths = re.findall(r"https?://[^/\s\"']+(/[^\s\"']*)", web_check)
    assert paths == ["/healthz"]
    for path in paths:
        assert resolve(path).func.__name__ == "healthz"
    # The worker's and beat's wait for the web service, which has run the migrations.
    for name in ("worker", "beat"):
        assert SERVICES[name]["depends_on"]["web"]["condition"] == "service_healthy"
    for dependency in ("postgres", "redis"):
        assert SERVICES["web"]["depends_on"][dependency]["condition"] == "service_healthy"


# --- Dockerfile ---------------------------------------------------------------------------------


def test_dockerfile_base_font_and_referenced_files():
    assert re.search(r"^FROM python:3\.11-slim$", DOCKERFILE, re.M)
    assert "fonts-wqy-microhei" in DOCKERFILE
    assert "pip install -r requirements.txt" in DOCKERFILE
    for path in re.findall(r"^COPY (\S+) ", DOCKERFILE, re.M):
        assert (ROOT / path).exists(), path
    for path in ("requirements.txt", "scripts/compile_messages.py", "manage.py"):
        assert path in DOCKERFILE and (ROOT / path).exists(), path
    assert "manage.py collectstatic --noinput" in DOCKERFILE
    cmd = re.search(r'^CMD \["gunicorn", "([\w.:]+)"\]', DOCKERFILE, re.M).group(1)
    assert find_spec(cmd.split(":")[0]) is not None
    # The build-time secret only satisfies the length check; it is not the deployment's.
    build_secret = re.search(r"DJANGO_SECRET_KEY=(\S+)", DOCKERFILE).group(1)
    assert len(build_secret) >= 50
    ignored = (ROOT / ".dockerignore").read_text().split()
    for path in (".git", ".venv", "var"):
        assert path in ignored


# --- production settings, loaded for real ---------------------------------------------------------


def test_django_env_production_selects_the_production_settings(tmp_path):
    assert find_spec("backend.settings.production") is not None
    env = subprocess_env(tmp_path, service_environment("web"))
    probe = (
        "import django; from django.conf import settings; django.setup();"
        "print(settings.DEBUG, settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE,"
        " settings.SECRET_KEY == %r, ','.join(settings.ALLOWED_HOSTS))" % TEST_SECRET
    )
    result = run_python(["-c", probe], env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "True", "True", "True", "cadre.example.org,www.cadre.example.org"]


def test_check_deploy_passes_without_warnings(tmp_path):
    env = subprocess_env(tmp_path, service_environment("web"))
    result = run_python(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output and "?: (security." not in output, output


@pytest.mark.parametrize(
    ("secret", "hosts", "message"),
    [
        (None, "cadre.example.org", "DJANGO_SECRET_KEY"),
        ("too-short-secret", "cadre.example.org", "DJANGO_SECRET_KEY"),
        (TEST_SECRET, None, "DJANGO_ALLOWED_HOSTS"),
    ],
)
def test_production_settings_refuse_to_load_without_secret_or_hosts(tmp_path, secret, hosts, message):
    extra = {"DJANGO_ENV": "production"}
    if secret:
        extra["DJANGO_SECRET_KEY"] = secret
    if hosts:
        extra["DJANGO_ALLOWED_HOSTS"] = hosts
    result = run_python(["-c", "import django; django.setup()"], subprocess_env(tmp_path, extra))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr and message in result.stderr


def test_static_files_collect_with_the_production_storage(tmp_path):
    """The Dockerfile runs this at build time: a missing file referenced from CSS fails it."""
    static_root = tmp_path / "static"
    env = subprocess_env(tmp_path, {**service_environment("web"), "DJANGO_STATIC_ROOT": str(static_root)})
    result = run_python(["manage.py", "collectstatic", "--noinput"], env, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (static_root / "staticfiles.json").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_gunicorn_serves_the_web_health_check_under_production_settings(tmp_path):
    """The web command's gunicorn, with the compose environment (SSL redirect on, real host names),
    answers the compose health check; other paths still redirect to https."""
    port = _free_port()
    env = subprocess_env(tmp_path, service_environment("web"))
    env["GUNICORN_CMD_ARGS"] = f"--bind 127.0.0.1:{port} --workers 1 --timeout 30"
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "backend.wsgi"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "gunicorn.log", "wb"), stdin=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "gunicorn.log").read_text()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.2)
        test = SERVICES["web"]["healthcheck"]["test"]
        assert test[0] == "CMD" and test[1] == "python"
        check_args = [interpolate(word, env) for word in test[2:]]
        check_args = [word.replace("127.0.0.1:8000", f"127.0.0.1:{port}") for word in check_args]
        result = run_python(check_args, env, timeout=30)
        assert result.returncode == 0, result.stderr + (tmp_path / "gunicorn.log").read_text()

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        request = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/me/", headers={"Host": "cadre.example.org"})
        with pytest.raises(urllib.error.HTTPError) as redirect:
            urllib.request.build_opener(NoRedirect).open(request, timeout=10)
        assert redirect.value.code == 301
        assert redirect.value.headers["Location"] == "https://cadre.example.org/api/v1/me/"
    finally:
        server.terminate()
        server.wait(timeout=30)
