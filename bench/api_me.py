"""Request throughput: GET /api/v1/me/ (token auth, roles from PostgreSQL) against GET /healthz
(a bare Django view through the same middleware), served by gunicorn under production settings.

What it does, all on loopback:
  1. starts the private PostgreSQL and Redis (scripts/services.sh), stopping them after if it
     started them;
  2. creates a fresh database `cadre_bench`, migrates it, and creates a trainee with a role and an
     API token (a realistic /me: one organization, one role);
  3. starts gunicorn (2 sync workers) with DJANGO_ENV=production over plain HTTP;
  4. runs wrk for a bounded time on each URL, in paired rounds, then prints the medians of
     requests/s, p50 and p99 latency, and the ratio me / bare (target: at least 50 %); also the
     SQL that one /me request runs and the time of both requests in one process without HTTP.

Environment: BENCH_DURATION (seconds, default 10), BENCH_CONNECTIONS (default 4),
BENCH_THREADS (default 2), BENCH_ROUNDS (default 3),
BENCH_WSGI_APP (default backend.wsgi; a module:app that patches it, to compare a variant).
Results are also written to bench/out/api_me.json.
"""
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from statistics import median
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "4"))
THREADS = int(os.environ.get("BENCH_THREADS", "2"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
BENCH_DB = "cadre_bench"
SECRET = "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMN"

SETUP_USER = """
from accounts.models import Organization, Role, User
from rest_framework.authtoken.models import Token
region = Organization.objects.add_root(instance=Organization(name="内蒙古自治区", code="NM", kind="region"))
league = Organization.objects.add_child(region, instance=Organization(name="甲盟", code="NM-A", kind="league_city"))
user = User.objects.create_user(username="bench", password="Bench-pass-2026", display_name="压测学员",
                                employee_number="B0001", organization=league)
Role.objects.create(user=user, organization=league, role=Role.Kind.TRAINEE)
print("TOKEN=" + Token.objects.create(user=user).key)
"""

PROFILE_ME = """
import time
from django.db import connection
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
headers = {"HTTP_AUTHORIZATION": "Token %s"}
client.get("/api/v1/me/", **headers)  # warm: the first request loads the URLconf and translations
queries = []
def record(execute, sql, params, many, context):
    queries.append(sql)
    return execute(sql, params, many, context)
with connection.execute_wrapper(record):
    response = client.get("/api/v1/me/", **headers)
assert response.status_code == 200, response.status_code
for sql in queries:
    print("SQL", sql[:160])
for path in ("/healthz", "/api/v1/me/"):
    start = time.perf_counter()
    for _ in range(200):
        client.get(path, **headers)
    print("INPROCESS", path, round((time.perf_counter() - start) / 200 * 1000, 2))
"""


def log(message: str) -> None:
    print(f"[api_me] {message}", file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(database_url: str, redis_url: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_ENV="production",
        DJANGO_SETTINGS_MODULE="backend.settings",
        DJANGO_SECRET_KEY=SECRET,
        DJANGO_ALLOWED_HOSTS="127.0.0.1",
        DJANGO_SSL_REDIRECT="0",
        DJANGO_SECURE_COOKIES="0",
        DJANGO_VAR_DIR=str(ROOT / "var" / "bench"),
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",
    )
    return env


def manage(env: dict, *args: str) -> str:
    result = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"manage.py {' '.join(args[:1])} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def start_services() -> tuple[dict, bool]:
    services = str(ROOT / "scripts" / "services.sh")
    was_running = subprocess.run([services, "status"], capture_output=True).returncode == 0
    result = subprocess.run([services, "start"], capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"scripts/services.sh start failed:\n{result.stderr}")
    urls = dict(re.findall(r"^export (\w+)=(\S+)$", result.stdout, re.M))
    return urls, not was_running


def recreate_database(database_url: str, name: str = BENCH_DB) -> str:
    """A fresh, empty database `name` on the server of `database_url`; its URL."""
    import psycopg

    base, _, _ = database_url.rpartition("/")
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {name}")
        conn.execute(f"CREATE DATABASE {name}")
    return f"{base}/{name}"


def wrk(url: str, headers: dict | None = None) -> dict:
    command = ["wrk", f"-t{THREADS}", f"-c{CONNECTIONS}", f"-d{DURATION}s", "--timeout", "5s", "--latency"]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, timeout=DURATION + 60).stdout
    if "Non-2xx or 3xx responses" in output or "Socket errors" in output:
        sys.exit(f"wrk saw errors on {url}:\n{output}")

    def ms(text: str) -> float:
        number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    latency = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", output, re.M))
    return {
        "requests_per_second": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "requests": int(re.search(r"(\d+) requests in", output).group(1)),
        "p50_ms": ms(latency["50"]),
        "p99_ms": ms(latency["99"]),
    }


def get(url: str, headers: dict | None = None) -> bytes:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=10) as response:
        assert response.status == 200, (url, response.status)
        return response.read()


def machine_versions(database_url: str) -> dict:
    """The machine and the versions every benchmark reports."""
    import django
    import psycopg

    with psycopg.connect(database_url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()[0]
    return {
        "machine": platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "postgresql": pg,
    }


def versions(database_url: str) -> dict:
    wrk_version = subprocess.run(["wrk", "--version"], capture_output=True, text=True).stdout.split("[")[0].strip()
    return {**machine_versions(database_url), "wrk": wrk_version}


def main() -> None:
    if not shutil.which("wrk"):
        sys.exit("wrk is not installed: scripts/install_system_deps.sh --bench")
    urls, started = start_services()
    server = None
    try:
        database_url = recreate_database(urls["DATABASE_URL"])
        env = server_env(database_url, urls["REDIS_URL"])
        log(f"migrating {BENCH_DB}")
        manage(env, "migrate", "--noinput")
        token = re.search(r"TOKEN=(\w+)", manage(env, "shell", "-c", SETUP_USER)).group(1)
        profile = manage(env, "shell", "-c", PROFILE_ME % token)
        queries = [line[4:] for line in profile.splitlines() if line.startswith("SQL ")]
        in_process = {path: float(ms) for path, ms in re.findall(r"^INPROCESS (\S+) ([\d.]+)$", profile, re.M)}

        port = free_port()
        env["GUNICORN_CMD_ARGS"] = f"--bind 127.0.0.1:{port} --workers 2 --worker-class sync --timeout 30"
        log(f"gunicorn on 127.0.0.1:{port}, 2 sync workers")
        server = subprocess.Popen(
            [PY, "-m", "gunicorn", os.environ.get("BENCH_WSGI_APP", "backend.wsgi")], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        auth = {"Authorization": f"Token {token}"}
        deadline = time.monotonic() + 30
        while True:
            try:
                get(f"{base}/healthz")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    sys.exit("gunicorn did not start:\n" + server.stderr.read().decode(errors="replace"))
                time.sleep(0.2)
        me = json.loads(get(f"{base}/api/v1/me/", auth))
        assert me["username"] == "bench", me
        for _ in range(20):  # warm both workers
            get(f"{base}/healthz")
            get(f"{base}/api/v1/me/", auth)

        load_before = os.getloadavg()[0]
        rounds = []
        for number in range(1, ROUNDS + 1):  # paired rounds: a load that drifts hits both alike
            log(f"round {number}/{ROUNDS}: wrk {DURATION} s, {THREADS} threads, {CONNECTIONS} connections on each URL")
            bare_round = wrk(f"{base}/healthz")
            me_round = wrk(f"{base}/api/v1/me/", auth)
            rounds.append({"healthz": bare_round, "me": me_round,
                           "ratio": me_round["requests_per_second"] / bare_round["requests_per_second"]})
        bare = {key: median(r["healthz"][key] for r in rounds) for key in rounds[0]["healthz"]}
        me_figures = {key: median(r["me"][key] for r in rounds) for key in rounds[0]["me"]}
        ratio = median(r["ratio"] for r in rounds)
        result = {
            "date": time.strftime("%Y-%m-%d"),
            "versions": versions(database_url),
            "method": {"rounds": ROUNDS, "duration_s": DURATION, "threads": THREADS, "connections": CONNECTIONS,
                       "gunicorn_workers": 2, "worker_class": "sync"},
            "load_average_1min_before": round(load_before, 2),
            "rounds": rounds,
            "healthz": bare,
            "me": me_figures,
            "ratio_me_to_bare": round(ratio, 3),
            "me_queries": queries,
            "in_process_ms": in_process,
        }
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        if started:
            subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop"], capture_output=True)

    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "api_me.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    v = result["versions"]
    print(f"api_me: {v['cores']} cores {v['machine']}, Python {v['python']}, Django {v['django']}, "
          f"PostgreSQL {v['postgresql']}; gunicorn 2 sync workers; wrk -t{THREADS} -c{CONNECTIONS} -d{DURATION}s; "
          f"median of {ROUNDS} paired rounds; 1-min load average before: {result['load_average_1min_before']}")
    for name, figures in (("GET /healthz", bare), ("GET /api/v1/me/", me_figures)):
        print(f"  {name:<16} {figures['requests_per_second']:8.0f} req/s   p50 {figures['p50_ms']:6.2f} ms"
              f"   p99 {figures['p99_ms']:6.2f} ms   ({figures['requests']} requests)")
    verdict = "meets" if ratio >= 0.5 else "BELOW"
    print(f"  me / bare        {ratio:8.1%}   ({verdict} the 50 % target; rounds: "
          + ", ".join(f"{r['ratio']:.1%}" for r in rounds) + ")")
    print(f"  in one process, no HTTP (Django test client, 200 requests): /healthz {in_process['/healthz']:.2f} ms, "
          f"/api/v1/me/ {in_process['/api/v1/me/']:.2f} ms a request")
    print(f"  SQL per /me request: {len(queries)}")
    for query in queries:
        print(f"    {query}")


if __name__ == "__main__":
    main()
