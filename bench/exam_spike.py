"""An exam start spike and its autosave: 2,000 trainees start a 50-question exam within one minute,
then each saves an answer every 10 s for 5 minutes, then all submit within one minute; gunicorn,
a Celery worker, PostgreSQL, Redis and this load generator share the machine. Targets: autosave p99
under 250 ms, no errors, submit-to-graded p99 under 5 s, and every acknowledged answer present
afterwards.

What it does, all on loopback:
  1. starts the private PostgreSQL and Redis (scripts/services.sh), stopping them after if it
     started them; the broker is a Redis database of the bench's own (BENCH_REDIS_DB, default 12,
     as bench/exam_grading.py), so no other worker takes its grading tasks;
  2. creates a fresh database `cadre_bench_spike`, migrates it, and sets up through the services a
     league with an organizer, a bank of 50 objective questions (20 single choice, 10 multiple
     choice, 10 true/false, 10 fill-in-the-blank) and an exam on them (60 minutes, one attempt,
     open to the league's trainees), plus an identical warm-up exam; BENCH_TRAINEES trainees with a
     trainee role and an API token, and a few more for the warm-up and the profile (bulk_create);
  3. profiles the four requests in one process (Django test client, production settings, no HTTP):
     the SQL of one start, paper, autosave and submit, and their mean time over PROFILE_TRAINEES
     trainees of the warm-up exam;
  4. starts gunicorn with production settings (BENCH_WORKERS: "N" sync workers, default 2, or
     "NxT" gthread) and a Celery worker as docker-compose.yml does
     (`celery -A backend worker --concurrency=BENCH_CELERY_CONCURRENCY`, default 2, prefork), and
     warms both with WARM_TRAINEES trainees of the warm-up exam sitting it at once;
  5. the scenario, open loop (every request has a scheduled time; BENCH_CONCURRENCY client threads,
     one keep-alive http.client connection each, take them in time order):
       - trainee i starts at s_i, uniform over BENCH_START_WINDOW s (60): POST /exams/{id}/start/,
         then GET /attempts/{id}/ (the paper);
       - then saves one answer at s_i + 10 k s (BENCH_SAVE_INTERVAL), k = 1 .. K, K =
         BENCH_SAVE_MINUTES x 60 / 10 (30): PUT /attempts/{id}/answers/{question}/ {"response", "seq"}
         with the page's save counter as seq; the next unanswered question, or one in five times
         a change to an answered one;
       - then submits at a time uniform over the BENCH_SUBMIT_WINDOW s (60) that follow the last
         possible save: POST /attempts/{id}/submit/;
     latency is from sending to the end of the response; "behind schedule" is the client's own
     lateness in sending;
  6. waits until every attempt is graded (or BENCH_GRADE_TIMEOUT s), then reads from PostgreSQL:
     submit-to-graded (graded_at - submitted_at, both stamped by the server; and from the end of the
     submit response to graded_at), one GradeEvent(kind=grade) an attempt, and the count check:
     for every (attempt, question) with an acknowledged save (200, stored true) the stored seq is the
     highest acknowledged one, and the answered items (seq > 0) are exactly those (attempt,
     question);
  7. samples the CPU time of gunicorn, the Celery worker, PostgreSQL, Redis and this process
     every 5 s (/proc), to show who used the two cores in each phase.

Exits non-zero when an acknowledged answer is missing or stale, when an attempt is not graded
exactly once, or when a request failed. Missing a latency target is reported, not an error.

Environment: BENCH_TRAINEES (default 2000), BENCH_START_WINDOW (s, 60), BENCH_SAVE_MINUTES (5),
BENCH_SAVE_INTERVAL (s, 10), BENCH_SUBMIT_WINDOW (s, 60), BENCH_CONCURRENCY (client threads,
200), BENCH_WORKERS (gunicorn, "2"), BENCH_CELERY_CONCURRENCY (2), BENCH_REDIS_DB (12),
BENCH_GRADE_TIMEOUT (s, 600), BENCH_SEED (1), BENCH_WSGI_APP (default backend.wsgi) and
BENCH_CELERY_APP (default backend): a module that patches the code under test, to compare a variant.
Results are also written to bench/out/exam_spike.json (the logs next to it).
"""
import http.client
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_me import PY, free_port, manage, recreate_database, server_env, start_services  # noqa: E402
from bench.checkin import Client, describe, gunicorn_args, latency_figures, percentile, versions  # noqa: E402
from bench.exam_grading import Broker, Worker, redis_db_url, stop_on_sigterm  # noqa: E402

TRAINEES = int(os.environ.get("BENCH_TRAINEES", "2000"))
START_WINDOW = float(os.environ.get("BENCH_START_WINDOW", "60"))
SAVE_MINUTES = float(os.environ.get("BENCH_SAVE_MINUTES", "5"))
SAVE_INTERVAL = float(os.environ.get("BENCH_SAVE_INTERVAL", "10"))
SUBMIT_WINDOW = float(os.environ.get("BENCH_SUBMIT_WINDOW", "60"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "200"))
WORKERS = os.environ.get("BENCH_WORKERS", "2")
CELERY_CONCURRENCY = int(os.environ.get("BENCH_CELERY_CONCURRENCY", "2"))
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))
GRADE_TIMEOUT = float(os.environ.get("BENCH_GRADE_TIMEOUT", "600"))
SEED = int(os.environ.get("BENCH_SEED", "1"))
WSGI_APP = os.environ.get("BENCH_WSGI_APP", "backend.wsgi")
CELERY_APP = os.environ.get("BENCH_CELERY_APP", "backend")
SAVES = round(SAVE_MINUTES * 60 / SAVE_INTERVAL)
WARM_TRAINEES = 8
PROFILE_TRAINEES = 20
BENCH_DB = "cadre_bench_spike"
TARGET_SAVE_P99_MS = 250.0
TARGET_GRADED_P99_S = 5.0
REVISIT = 0.2
OUT = ROOT / "bench" / "out"

SETUP = r"""
import json
from datetime import timedelta
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from rest_framework.authtoken.models import Token
from accounts.models import Organization, Role, User
from exams import questions, setup

N, EXTRA = %(trainees)d, %(extra)d
region = Organization.objects.add_root(instance=Organization(name="内蒙古自治区", code="NM", kind="region"))
league = Organization.objects.add_child(region, instance=Organization(name="甲盟", code="NM-A", kind="league_city"))
organizer = User.objects.create_user(username="organizer", password="Bench-pass-2026", display_name="压测组织员",
                                     employee_number="O0001", organization=league)
Role.objects.create(user=organizer, organization=league, role=Role.Kind.ORGANIZER)
bank = questions.bank_create(actor=organizer, organization=league, title="压测题库")
made = []
for i in range(20):
    made.append(questions.question_create(actor=organizer, bank=bank, kind="single", stem=f"单选第{i + 1}题：以下哪一项表述正确？",
                                          options=[f"选项{c}" for c in "甲乙丙丁"], key={"options": [i %% 4]}, points=200))
for i in range(10):
    made.append(questions.question_create(actor=organizer, bank=bank, kind="multiple", stem=f"多选第{i + 1}题：以下哪些表述正确？",
                                          options=[f"选项{c}" for c in "甲乙丙丁戊"], key={"options": [0, 2, 4] if i %% 2 else [1, 3]}, points=300))
for i in range(10):
    made.append(questions.question_create(actor=organizer, bank=bank, kind="true_false", stem=f"判断第{i + 1}题：这一表述是否正确？",
                                          key={"value": bool(i %% 2)}, points=100))
for i in range(10):
    made.append(questions.question_create(actor=organizer, bank=bank, kind="blank", stem=f"填空第{i + 1}题：促进各民族交往交流____。",
                                          key={"blanks": [["交融"]]}, points=200))
now = timezone.now()
def make_exam(title):
    exam = setup.exam_create(actor=organizer, organization=league, title=title, opens_at=now - timedelta(minutes=5),
                             closes_at=now + timedelta(hours=3), duration_minutes=60, pass_score=6000)
    setup.exam_set_items(actor=organizer, exam=exam, items=[(q.pk, None) for q in made])
    exam.refresh_from_db()
    return setup.exam_publish(actor=organizer, exam=exam)
exam, warm_exam = make_exam("压测考试"), make_exam("压测考试（预热）")
password = make_password("Bench-pass-2026")  # hashed once, shared: nobody logs in with it here
users = User.objects.bulk_create([
    User(username=f"trainee{i:05d}", password=password, display_name=f"学员{i:05d}", employee_number=f"T{i:05d}",
         organization=league)
    for i in range(N + EXTRA)
])
Role.objects.bulk_create([Role(user=u, organization=league, role=Role.Kind.TRAINEE) for u in users])
tokens = Token.objects.bulk_create([Token(user=u, key=Token.generate_key()) for u in users])
with connection.cursor() as cursor:
    cursor.execute("ANALYZE")
print("SETUP=" + json.dumps({"exam": exam.pk, "warm_exam": warm_exam.pk, "trainees": [t.key for t in tokens[:N]],
                             "extra": [t.key for t in tokens[N:]]}))
"""

PROFILE = r"""
import json
import time
from django.db import connection
from django.test import Client
keys, exam = %(keys)s, %(exam)d
queries, timings = {}, {}
def call(name, client, method, path, body=None):
    recorded = []
    def record(execute, sql, params, many, context):
        recorded.append(sql)
        return execute(sql, params, many, context)
    start = time.perf_counter()
    with connection.execute_wrapper(record):
        response = getattr(client, method)(path, data=json.dumps(body) if body is not None else None, content_type="application/json")
    timings.setdefault(name, []).append(time.perf_counter() - start)
    queries.setdefault(name, recorded)
    assert response.status_code in (200, 201), (name, response.status_code, response.content[:300])
    return response.json()
for n, key in enumerate(keys):
    client = Client(HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION=f"Token {key}")
    attempt = call("start", client, "post", f"/api/v1/exams/{exam}/start/")
    paper = call("paper", client, "get", f"/api/v1/attempts/{attempt['id']}/")
    for seq, item in enumerate(paper["questions"][:5], start=1):
        response = {"options": [item["options"][0]["id"]]} if item["options"] else ({"blanks": ["交融"]} if item["blanks"] else {"value": True})
        call("save", client, "put", f"/api/v1/attempts/{attempt['id']}/answers/{item['question']}/", {"response": response, "seq": seq})
    call("submit", client, "post", f"/api/v1/attempts/{attempt['id']}/submit/")
for name, recorded in queries.items():
    for sql in recorded:
        print("SQL", name, sql[:180].replace("\n", " "))
for name, seconds in timings.items():
    rest = seconds[1:] or seconds  # the first of each pays for first use
    print("INPROCESS", name, round(sum(rest) / len(rest) * 1000, 2), len(rest))
"""

COUNT = r"""
SELECT a.id, a.user_id, a.status, a.submitted_at, a.graded_at,
       EXTRACT(EPOCH FROM a.submitted_at), EXTRACT(EPOCH FROM a.graded_at),
       (SELECT COUNT(*) FROM exams_gradeevent g WHERE g.attempt_id = a.id AND g.kind = 'grade')
FROM exams_attempt a WHERE a.exam_id = %s
"""


def log(message: str) -> None:
    print(f"[exam_spike] {message}", file=sys.stderr, flush=True)


# --- CPU by process group (/proc) -------------------------------------------------------------

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, str, float]]:
    """{pid: (ppid, comm, cpu seconds)}"""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1:raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2:].split()
        found[int(entry)] = (int(fields[1]), comm, (int(fields[11]) + int(fields[12])) / TICK)
    return found


def _group_of(pid: int, processes: dict, roots: dict[str, int]) -> str | None:
    comm = processes[pid][1]
    if comm == "postgres":
        return "postgres"
    if comm == "redis-server":
        return "redis"
    seen = 0
    while pid in processes and seen < 64:  # walk up to a root
        for name, root in roots.items():
            if pid == root:
                return name
        pid, seen = processes[pid][0], seen + 1
    return None


class CpuSampler(threading.Thread):
    """CPU seconds used by gunicorn (its master and workers), the Celery worker (main and pool),
    every postgres and redis-server process, and this process (the load generator), accumulated
    pid by pid so that a process that exits takes nothing away (its time after the last sample is
    lost: processes here live for the whole run, but for PostgreSQL backends of short connections)."""

    def __init__(self, roots: dict[str, int], every: float = 2.0):
        super().__init__(daemon=True)
        self.roots, self.every = roots, every
        self.samples: list[tuple[float, dict]] = []
        self.last: dict[int, float] = {}
        self.total: dict[str, float] = defaultdict(float)
        self.stopping = threading.Event()
        self.sample(first=True)

    def sample(self, first: bool = False) -> None:
        processes = _processes()
        for pid in processes:
            group = _group_of(pid, processes, self.roots)
            if group is None:
                continue
            cpu = processes[pid][2]
            if not first:
                self.total[group] += cpu - self.last.get(pid, 0.0)
            self.last[pid] = cpu
        times = os.times()
        own = times.user + times.system
        if not first:
            self.total["load generator"] += own - self.last.get(-1, 0.0)
        self.last[-1] = own
        self.samples.append((time.perf_counter(), dict(self.total)))

    def run(self) -> None:
        while not self.stopping.wait(self.every):
            self.sample()
        self.sample()

    def stop(self) -> None:
        self.stopping.set()
        self.join()

    def between(self, start: float, end: float) -> dict:
        """Cores used by each group between two perf_counter times (the nearest samples)."""
        first = min(self.samples, key=lambda s: abs(s[0] - start))
        last = min(self.samples, key=lambda s: abs(s[0] - end))
        seconds = last[0] - first[0]
        if seconds <= 0:
            return {}
        return {name: round((last[1].get(name, 0.0) - first[1].get(name, 0.0)) / seconds, 2) for name in last[1]}


# --- the servers ------------------------------------------------------------------------------


class Server:
    def __init__(self, env: dict, config: str):
        self.port = free_port()
        args, self.gunicorn = gunicorn_args(config, self.port)
        self.stderr = tempfile.TemporaryFile()
        log(f"gunicorn on 127.0.0.1:{self.port}, {describe(self.gunicorn)}, {WSGI_APP}")
        self.process = subprocess.Popen(
            [PY, "-m", "gunicorn", WSGI_APP], cwd=ROOT, env={**env, "GUNICORN_CMD_ARGS": args},
            stdout=subprocess.DEVNULL, stderr=self.stderr, stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        client = Client(self.port)
        while True:
            try:
                if client.request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                client.conn.close()
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit("gunicorn did not start:\n" + self.stderr_text())
            time.sleep(0.2)

    def stderr_text(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read().decode(errors="replace")

    def stop(self) -> str:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        return self.stderr_text()


# --- the trainees -----------------------------------------------------------------------------


class Trainee:
    def __init__(self, index: int, key: str, rng: random.Random):
        self.index, self.key = index, key
        self.headers = {"Authorization": f"Token {key}", "Content-Type": "application/json"}
        self.rng = random.Random(rng.random())
        self.attempt: int | None = None
        self.questions: list[dict] = []
        self.started = threading.Event()
        self.lock = threading.Lock()
        self.seq = 0
        self.answered: list[int] = []  # positions in the paper, in the order first answered
        self.acked: dict[int, int] = {}  # question id: highest seq acknowledged (200, stored true)
        self.submitted_end: float | None = None  # time.time() at the end of the submit response

    def next_save(self) -> tuple[int, dict, int]:
        """(question id, response, seq): the next unanswered question, or a change to an answered one."""
        with self.lock:
            if self.answered and (len(self.answered) == len(self.questions) or self.rng.random() < REVISIT):
                position = self.rng.choice(self.answered)
            else:
                position = len(self.answered)
                self.answered.append(position)
            self.seq += 1
            seq = self.seq
        item = self.questions[position]
        rng = self.rng
        if item["kind"] == "single":
            response = {"options": [rng.choice(item["options"])["id"]]}
        elif item["kind"] == "multiple":
            response = {"options": sorted(o["id"] for o in rng.sample(item["options"], rng.randint(1, 3)))}
        elif item["kind"] == "true_false":
            response = {"value": rng.random() < 0.5}
        else:
            response = {"blanks": [rng.choice(["交融", "交流", "融合"]) for _ in range(max(1, item["blanks"]))]}
        return item["question"], response, seq


def schedule(trainees: list[Trainee], rng: random.Random) -> list[tuple[float, str, Trainee]]:
    items = []
    saves_end = START_WINDOW + SAVES * SAVE_INTERVAL
    for trainee in trainees:
        start = rng.uniform(0, START_WINDOW)
        items.append((start, "start", trainee))
        items.extend((start + k * SAVE_INTERVAL, "save", trainee) for k in range(1, SAVES + 1))
        items.append((saves_end + rng.uniform(0, SUBMIT_WINDOW), "submit", trainee))
    return sorted(items, key=lambda item: item[0])


def run_load(port: int, exam: int, items: list, threads: int) -> list[dict]:
    lock = threading.Lock()
    pending = iter(items)
    results: list[dict] = []
    origin = time.perf_counter() + 0.5

    def request(client: Client, trainee: Trainee, kind: str, method: str, path: str, body: dict | None, at: float, expect: int):
        sent = time.perf_counter()
        try:
            status, data, seconds = client.request(method, path, json.dumps(body).encode() if body is not None else None, trainee.headers)
        except (OSError, http.client.HTTPException) as error:
            status, data, seconds = f"error:{type(error).__name__}", str(error).encode(), time.perf_counter() - sent
        entry = {"kind": kind, "status": status, "seconds": seconds, "at": at, "sent": sent - origin,
                 "behind": sent - origin - at if at is not None else 0.0,
                 "body": data[:300].decode(errors="replace") if status != expect else None}
        results.append(entry)
        return status, data, entry

    def worker() -> None:
        client = Client(port)
        while True:
            with lock:
                item = next(pending, None)
            if item is None:
                return
            at, kind, trainee = item
            delay = origin + at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            if kind == "start":
                status, data, _entry = request(client, trainee, "start", "POST", f"/api/v1/exams/{exam}/start/", None, at, 201)
                if status == 201:
                    trainee.attempt = json.loads(data)["id"]
                    # loaded right after the start: its lateness is the start's latency, not counted again
                    status, data, _entry = request(client, trainee, "paper", "GET", f"/api/v1/attempts/{trainee.attempt}/", None, None, 200)
                    if status == 200:
                        trainee.questions = json.loads(data)["questions"]
                trainee.started.set()
                continue
            if not trainee.started.wait(300) or not trainee.questions:
                results.append({"kind": kind, "status": "skipped: no paper", "seconds": 0.0, "at": at, "sent": at, "behind": 0.0,
                                "body": "the trainee has no attempt"})
                continue
            if kind == "save":
                question, response, seq = trainee.next_save()
                status, data, entry = request(client, trainee, "save", "PUT", f"/api/v1/attempts/{trainee.attempt}/answers/{question}/",
                                              {"response": response, "seq": seq}, at, 200)
                if status == 200:
                    body = json.loads(data)
                    if body.get("stored") is True and body.get("seq") == seq:
                        with trainee.lock:
                            trainee.acked[question] = max(seq, trainee.acked.get(question, 0))
                    else:  # not an acknowledgement: counted apart (and as an error, as nothing here should cause it)
                        entry["not_stored"] = True
                        entry["body"] = data[:300].decode(errors="replace")
            else:
                status, data, _entry = request(client, trainee, "submit", "POST", f"/api/v1/attempts/{trainee.attempt}/submit/", None, at, 200)
                if status == 200:
                    trainee.submitted_end = time.time()

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    return results


def warm(port: int, exam: int, keys: list[str], rng: random.Random) -> None:
    """A few trainees sit the warm-up exam at once: every gunicorn worker and Celery process loads
    its code and opens its connections before the measured run."""
    trainees = [Trainee(i, key, rng) for i, key in enumerate(keys)]
    items = []
    for trainee in trainees:
        items += [(0.0, "start", trainee)] + [(0.1 * k, "save", trainee) for k in range(1, 6)] + [(1.0, "submit", trainee)]
    results = run_load(port, exam, sorted(items, key=lambda i: i[0]), len(trainees))
    # Only failures count here: when the client falls behind, two saves of one trainee (0.1 s apart)
    # may be sent at once and arrive out of order, and the older one is rightly answered stored=false.
    bad = [r for r in results if r["body"] is not None and not r.get("not_stored")]
    if bad:
        sys.exit(f"warm-up failed: {bad[:3]}")


def figures_of(results: list[dict], kind: str) -> dict:
    rows = [r for r in results if r["kind"] == kind]
    ok = [r for r in rows if r["body"] is None]
    behind = [r["behind"] * 1000 for r in rows]
    return {
        "requests": len(rows), "ok": len(ok), "errors": len(rows) - len(ok),
        "statuses": dict(Counter(str(r["status"]) for r in rows)),
        "error_samples": [f"{n} x {text}" for text, n in Counter(f"{r['status']} {r['body']}" for r in rows if r["body"] is not None).most_common(5)],
        "latency": latency_figures([r["seconds"] for r in rows]),
        "behind_schedule_ms": {"p50": percentile(behind, 50), "p99": percentile(behind, 99), "max": max(behind, default=0.0)},
    }


def count_check(database_url: str, exam: int, trainees: list[Trainee]) -> dict:
    import psycopg

    with psycopg.connect(database_url) as conn:
        stored = {(a, q): seq for a, q, seq in conn.execute(
            "SELECT x.attempt_id, x.question_id, x.seq FROM exams_answer x JOIN exams_attempt a ON a.id = x.attempt_id"
            " WHERE a.exam_id = %s AND x.seq > 0", [exam])}
        with_response = conn.execute(
            "SELECT COUNT(*) FROM exams_answer x JOIN exams_attempt a ON a.id = x.attempt_id WHERE a.exam_id = %s AND x.response IS NOT NULL",
            [exam]).fetchone()[0]
    acked = {(t.attempt, q): seq for t in trainees if t.attempt for q, seq in t.acked.items()}
    missing = sum(1 for key in acked if key not in stored)
    stale = sum(1 for key, seq in acked.items() if key in stored and stored[key] != seq)
    unexpected = sum(1 for key in stored if key not in acked)
    return {
        "acknowledged_saves": 0,  # filled by the caller: the saves answered 200 with stored true
        "distinct_items_acknowledged": len(acked), "items_answered_in_db": len(stored), "items_with_response_in_db": with_response,
        "acknowledged_missing": missing, "stored_seq_not_highest_acknowledged": stale, "answered_but_never_acknowledged": unexpected,
        "all_present": missing == 0 and stale == 0 and len(stored) == len(acked),
    }


def main() -> None:
    stop_on_sigterm()
    rng = random.Random(SEED)
    urls, started = start_services()
    server = worker = sampler = None
    server_log = ""
    try:
        database_url = recreate_database(urls["DATABASE_URL"], BENCH_DB)
        redis_url = redis_db_url(urls["REDIS_URL"], REDIS_DB)
        env = server_env(database_url, redis_url)
        broker = Broker(redis_url)
        leftovers = broker.clean()
        if leftovers:
            log(f"removed leftover keys from Redis database {REDIS_DB}: {leftovers}")
        log(f"migrating {BENCH_DB}")
        manage(env, "migrate", "--noinput")
        log(f"setting up a 50-question exam and {TRAINEES} trainees")
        setup = json.loads(re.search(r"^SETUP=(.*)$", manage(env, "shell", "-c", SETUP % {
            "trainees": TRAINEES, "extra": WARM_TRAINEES + PROFILE_TRAINEES}), re.M).group(1))
        machine = versions(database_url)
        import celery

        machine["celery"] = celery.__version__
        machine["redis"] = broker.client.info("server")["redis_version"]

        log("profiling start, paper, save and submit in one process")
        profile = manage(env, "shell", "-c", PROFILE % {"keys": setup["extra"][WARM_TRAINEES:], "exam": setup["warm_exam"]})
        profile_sql = defaultdict(list)
        for name, sql in re.findall(r"^SQL (\w+) (.*)$", profile, re.M):
            profile_sql[name].append(sql)
        in_process = {name: float(ms) for name, ms, _n in re.findall(r"^INPROCESS (\w+) ([\d.]+) (\d+)$", profile, re.M)}

        OUT.mkdir(parents=True, exist_ok=True)
        server = Server(env, WORKERS)
        worker = Worker({**env}, "bench-spike", CELERY_CONCURRENCY, OUT / "exam_spike.worker.log")
        warm(server.port, setup["warm_exam"], setup["extra"][:WARM_TRAINEES], rng)

        trainees = [Trainee(i, key, rng) for i, key in enumerate(setup["trainees"])]
        items = schedule(trainees, rng)
        sampler = CpuSampler({"gunicorn": server.process.pid, "celery": worker.process.pid})
        sampler.start()
        load_before = os.getloadavg()[0]
        total = START_WINDOW + SAVES * SAVE_INTERVAL + SUBMIT_WINDOW
        log(f"{TRAINEES} trainees: starts over {START_WINDOW:g} s, {SAVES} saves each every {SAVE_INTERVAL:g} s, submits over "
            f"{SUBMIT_WINDOW:g} s: {len(items)} requests (+{TRAINEES} paper loads) in about {total:.0f} s; {CONCURRENCY} client threads")
        began = time.perf_counter()
        results = run_load(server.port, setup["exam"], items, CONCURRENCY)
        load_done = time.perf_counter()
        log(f"load done in {load_done - began:.0f} s; waiting for the grading")

        import psycopg

        with psycopg.connect(database_url, autocommit=True) as conn:
            deadline = time.monotonic() + GRADE_TIMEOUT
            expected = sum(1 for t in trainees if t.submitted_end is not None)
            while True:
                graded = conn.execute("SELECT COUNT(*) FROM exams_attempt WHERE exam_id = %s AND status = 'graded'",
                                      [setup["exam"]]).fetchone()[0]
                if graded >= expected or time.monotonic() > deadline:
                    break
                time.sleep(0.5)
            graded_done = time.perf_counter()
            rows = conn.execute(COUNT, [setup["exam"]]).fetchall()
        sampler.stop()
        counted = count_check(database_url, setup["exam"], trainees)
        saves_end = began + START_WINDOW + SAVES * SAVE_INTERVAL
        phases = {
            "start window": (began, began + START_WINDOW),
            "autosave only": (began + START_WINDOW, saves_end),
            "submit window": (saves_end, load_done),
            "grading tail": (load_done, graded_done),
        }
        cpu = {name: sampler.between(*bounds) for name, bounds in phases.items()}
    finally:
        if sampler is not None and sampler.is_alive():
            sampler.stop()
        if server is not None and server.process.poll() is None:
            server_log = server.stop()
        if worker is not None:
            worker.stop()
        if started:
            subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop"], capture_output=True)

    by_attempt = {t.attempt: t for t in trainees if t.attempt}
    graded_rows = [r for r in rows if r[2] == "graded"]
    server_side = [float(r[6] - r[5]) for r in graded_rows]
    client_side = [float(r[6]) - by_attempt[r[0]].submitted_end for r in graded_rows
                   if r[0] in by_attempt and by_attempt[r[0]].submitted_end is not None]
    requests = {kind: figures_of(results, kind) for kind in ("start", "paper", "save", "submit")}
    requests["save"]["not_stored"] = sum(1 for r in results if r.get("not_stored"))
    counted["acknowledged_saves"] = requests["save"]["ok"]
    per_second = Counter(int(r["sent"]) for r in results if r["kind"] != "paper")
    notes = [line for line in server_log.splitlines()
             if line.strip() and "[INFO]" not in line and "No directory at:" not in line
             and line.strip() != "mw_instance = middleware(adapted_handler)"]
    worker_notes = [line for line in worker.text().splitlines() if re.search(r"\b(ERROR|WARNING|CRITICAL)\b|Traceback", line)]
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "versions": machine,
        "method": {"trainees": TRAINEES, "start_window_s": START_WINDOW, "saves_each": SAVES, "save_interval_s": SAVE_INTERVAL,
                   "submit_window_s": SUBMIT_WINDOW, "client_threads": CONCURRENCY, "gunicorn": describe(gunicorn_args(WORKERS, 0)[1]),
                   "wsgi_app": WSGI_APP, "celery": f"prefork --concurrency={CELERY_CONCURRENCY}", "celery_app": CELERY_APP,
                   "seed": SEED},
        "load_average_1min_before": round(load_before, 2),
        "elapsed_s": load_done - began,
        "busiest_second_requests": max(per_second.values()),
        "requests": requests,
        "attempts": len(rows), "submitted": expected, "graded": len(graded_rows),
        "attempts_without_exactly_one_grade_event": sum(1 for r in rows if r[7] != 1),
        "submit_to_graded_ms": {"server": latency_figures([s for s in server_side]), "client": latency_figures(client_side)},
        "grading_tail_s": graded_done - load_done,
        "counted": counted,
        "cpu_cores_used": cpu,
        "in_process_ms": in_process,
        "sql_per_request": {name: len(sqls) for name, sqls in profile_sql.items()},
        "sql": dict(profile_sql),
        "gunicorn_stderr_notable": notes[-30:],
        "worker_log_notable": worker_notes[-30:],
    }
    (OUT / "exam_spike.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    report(result)

    errors = sum(r["errors"] for r in requests.values())
    failures = []
    if errors:
        failures.append(f"{errors} requests failed")
    if not counted["all_present"]:
        failures.append("acknowledged answers missing or stale")
    if result["graded"] != expected or result["attempts_without_exactly_one_grade_event"]:
        failures.append("attempts not graded exactly once")
    if failures:
        sys.exit("exam_spike: FAILED: " + "; ".join(failures))


def report(result: dict) -> None:
    v, m = result["versions"], result["method"]
    print(f"exam_spike: {v['cores']} cores {v['machine']}, Python {v['python']}, Django {v['django']}, DRF {v['drf']}, "
          f"psycopg {v['psycopg']}, gunicorn {v['gunicorn']}, PostgreSQL {v['postgresql']}, Celery {v['celery']}, Redis {v['redis']}")
    print(f"  {m['trainees']} trainees: starts over {m['start_window_s']:g} s, {m['saves_each']} saves each every "
          f"{m['save_interval_s']:g} s, submits over {m['submit_window_s']:g} s; gunicorn {m['gunicorn']} ({m['wsgi_app']}), "
          f"Celery {m['celery']} ({m['celery_app']}); {m['client_threads']} client threads on the same cores; "
          f"1-min load average before {result['load_average_1min_before']}; {result['elapsed_s']:.0f} s, busiest second "
          f"{result['busiest_second_requests']} requests")
    for kind, label in (("start", "POST exams/{id}/start/"), ("paper", "GET attempts/{id}/"), ("save", "PUT answers/{q}/ (autosave)"),
                        ("submit", "POST attempts/{id}/submit/")):
        f = result["requests"][kind]
        lat, behind = f["latency"], f["behind_schedule_ms"]
        print(f"  {label:<30} {f['requests']:6d} requests, {f['errors']} errors;  p50 {lat['p50_ms']:7.1f}  p95 {lat['p95_ms']:7.1f}"
              f"  p99 {lat['p99_ms']:7.1f}  max {lat['max_ms']:7.1f} ms;  sent behind schedule p99 {behind['p99']:.0f} ms")
        for sample in f["error_samples"]:
            print(f"      {sample[:250]}")
    save = result["requests"]["save"]["latency"]
    print(f"  autosave p99 {save['p99_ms']:.1f} ms: {'meets' if save['p99_ms'] < TARGET_SAVE_P99_MS else 'MISSES'} the 250 ms target;"
          f" {result['requests']['save']['not_stored']} saves answered stored=false")
    server, client = result["submit_to_graded_ms"]["server"], result["submit_to_graded_ms"]["client"]
    print(f"  submit-to-graded (graded_at - submitted_at): p50 {server['p50_ms'] / 1000:.2f} s, p99 {server['p99_ms'] / 1000:.2f} s,"
          f" max {server['max_ms'] / 1000:.2f} s ({'meets' if server['p99_ms'] < TARGET_GRADED_P99_S * 1000 else 'MISSES'} the 5 s target);"
          f" from the end of the submit response: p50 {client['p50_ms'] / 1000:.2f} s, p99 {client['p99_ms'] / 1000:.2f} s;"
          f" last graded {result['grading_tail_s']:.1f} s after the last request")
    c = result["counted"]
    print(f"  counted: {result['submitted']} submitted, {result['graded']} graded, {result['attempts_without_exactly_one_grade_event']}"
          f" without exactly one grade event; {c['acknowledged_saves']} saves acknowledged on {c['distinct_items_acknowledged']}"
          f" (attempt, question); in the database {c['items_answered_in_db']} answered items, {c['acknowledged_missing']} missing,"
          f" {c['stored_seq_not_highest_acknowledged']} with a seq other than the highest acknowledged, "
          f"{c['answered_but_never_acknowledged']} never acknowledged: " + ("all present" if c["all_present"] else "NOT ALL PRESENT"))
    print("  cores used (gunicorn / celery / postgres / redis / load generator):")
    for phase, cores in result["cpu_cores_used"].items():
        print(f"    {phase:<14} " + " / ".join(f"{cores.get(k, 0):.2f}" for k in ("gunicorn", "celery", "postgres", "redis", "load generator")))
    print("  in one process (Django test client, no HTTP): " + ", ".join(
        f"{name} {ms:.1f} ms ({result['sql_per_request'].get(name, 0)} SQL)" for name, ms in result["in_process_ms"].items()))
    for lines, name in ((result["gunicorn_stderr_notable"], "gunicorn stderr"), (result["worker_log_notable"], "worker log")):
        if lines:
            print(f"  {name}: {len(lines)} notable lines; the last ones:")
            for line in lines[-8:]:
                print(f"    {line[:200]}")


if __name__ == "__main__":
    main()
