"""The embedded default from a fresh checkout: no var/ yet, SQLite, demo data."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_migrate_and_demo_work_where_var_does_not_exist_yet(tmp_path):
    var = tmp_path / "fresh" / "var"
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DJANGO_ENV="development", DJANGO_VAR_DIR=str(var), DEMO_PASSWORD="Fresh-pass-2026")
    for args in (["migrate", "--noinput", "-v0"], ["demo"]):
        done = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr[-2000:]
    assert (var / "db.sqlite3").exists()
    assert "trainee01" in done.stdout
