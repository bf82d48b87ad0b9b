"""Integration tests: real PostgreSQL, Redis and a Celery worker process.

scripts/test.sh runs them in its phase 2 with DATABASE_URL and REDIS_URL pointing at real servers
(scripts/services.sh starts private ones). Without those servers each test here is skipped with
the reason, except under CI=true, where a missing server is a failure, never a silent skip.
"""
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _missing_servers() -> str:
    problems = []
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        problems.append("DATABASE_URL does not name a PostgreSQL server")
    if not os.environ.get("REDIS_URL", "").startswith("redis://"):
        problems.append("REDIS_URL is not set")
    return "; ".join(problems)


@pytest.fixture(autouse=True)
def _real_servers():
    problem = _missing_servers()
    if problem:
        message = f"integration test needs real servers: {problem} (run scripts/test.sh)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


@pytest.fixture
def redis_url():
    return os.environ["REDIS_URL"]


def database_url_for(settings_dict) -> str:
    """A DATABASE_URL for the database this test runs in (pytest-django's test_… database)."""
    user = quote(settings_dict["USER"] or "", safe="")
    password = quote(settings_dict["PASSWORD"] or "", safe="")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgres://{auth}{settings_dict['HOST']}:{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"


def _forget_broker_state(app):
    """Drop what the app caches from its broker settings, so the next use builds it anew.

    `app.amqp` keeps the default queue and a producer pool; `app.pool` and that producer pool are
    kombu's process-wide pools for the broker URL. Closing them is not enough: they must also leave
    kombu's registry, or the next test that publishes to the same Redis gets a closed pool.
    """
    from kombu import pools

    app.__dict__.pop("amqp", None)
    pools.reset()
    app._pool = None


@pytest.fixture
def celery_on_redis(redis_url):
    """Make `.delay` in this process publish to Redis, on a queue of this test's own.

    The test settings force eager tasks; this undoes that for one test and restores it after.
    The queue name keeps another worker on the same Redis (a developer's) from taking the task.
    """
    from backend.celery import app

    queue = f"it-{uuid.uuid4().hex[:12]}"
    keys = ("task_always_eager", "broker_url", "task_default_queue")
    saved_conf = {key: app.conf[key] for key in keys}
    _forget_broker_state(app)
    app.conf.update(task_always_eager=False, broker_url=redis_url, task_default_queue=queue)
    try:
        yield queue
    finally:
        _forget_broker_state(app)
        app.conf.update(saved_conf)
        import redis

        client = redis.Redis.from_url(redis_url)
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()


class WorkerProcess:
    def __init__(self, proc: subprocess.Popen, log_path: Path):
        self.proc = proc
        self.log_path = log_path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_until(self, done, timeout: float, poll: float = 0.25) -> bool:
        """Call `done()` until it is true (True) or the time is up (False); fail at once if the
        worker exits, with its log."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if done():
                return True
            assert self.alive(), f"the worker exited early:\n{self.log()}"
            time.sleep(poll)
        return done()

    def wait_for_log(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return True
            if not self.alive():
                return False
            time.sleep(0.2)
        return False

    def kill(self):
        """SIGKILL the worker's process group, as a crash or the out-of-memory killer would: no
        warm shutdown, no message handed back to the broker."""
        if self.alive():
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self):
        if self.alive():
            self.proc.terminate()  # warm shutdown: finishes the task at hand
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


@pytest.fixture
def celery_worker_factory(transactional_db, celery_on_redis, redis_url, tmp_path):
    """Start real `celery -A backend worker` subprocesses on the test database and this test's queue.

    Each call starts one more worker; keyword arguments are added to its environment (a worker
    restarted after a crash is a second call). They load the development settings (DJANGO_ENV
    unset), which take DATABASE_URL and REDIS_URL from the environment, exactly as a deployed
    worker does. All are stopped before the database is flushed.
    """
    from django.db import connection

    workers = []

    def start(**extra_env: str) -> WorkerProcess:
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_ENV", "DJANGO_SETTINGS_MODULE")}
        env.update(
            DJANGO_SETTINGS_MODULE="backend.settings",
            DATABASE_URL=database_url_for(connection.settings_dict),
            REDIS_URL=redis_url,
            DB_CONN_MAX_AGE="0",
            CELERY_TASK_DEFAULT_QUEUE=celery_on_redis,  # what the worker's own tasks enqueue stays on this test's queue
            DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
            PYTHONUNBUFFERED="1",
        )
        env.update(extra_env)
        suffix = f"-{len(workers) + 1}" if workers else ""  # the first keeps the plain names
        log_path = tmp_path / f"worker{suffix}.log"
        command = [
            sys.executable, "-m", "celery", "-A", "backend", "worker",
            "--pool=solo", "--concurrency=1", "-Q", celery_on_redis, "-n", f"{celery_on_redis}{suffix}@%h",
            "--loglevel=INFO", "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]
        with open(log_path, "wb") as log_file:
            proc = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )
        worker = WorkerProcess(proc, log_path)
        workers.append(worker)
        return worker

    try:
        yield start
    finally:
        for worker in workers:
            worker.stop()


@pytest.fixture
def celery_worker_process(celery_worker_factory):
    """One real worker, started before the test body runs (see celery_worker_factory)."""
    return celery_worker_factory()
