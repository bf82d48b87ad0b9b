"""Grading throughput through a real Celery worker, against the same worker running a no-op task,
and the regrade of 100,000 attempts after a key correction. Targets: grading at least 80 % of the
no-op rate; the regrade under 5 minutes.

What it does, all on loopback:
  1. starts the private PostgreSQL and Redis (scripts/services.sh), stopping them after if it
     started them. The broker is a Redis database of the bench's own (BENCH_REDIS_DB, default 12),
     so that its `celery` queue and kombu's `unacked` hash are shared with no other worker (the
     integration tests use database 9 and queues of their own on 0);
  2. creates a fresh database `cadre_bench_grading`, migrates it, and sets up through the services
     a league with an organizer, a bank of 50 objective questions (20 single choice of 2 points,
     10 multiple choice of 3, 10 true/false of 1, 10 fill-in-the-blank of 2, four of them with two
     blanks: 100 points in all) and an exam on them (all-or-nothing multiple choice, pass mark 60);
     BENCH_ATTEMPTS trainees, and for each one attempt with its 50 answers, inserted with
     bulk_create (left in progress until a grading round marks them all submitted at once): about 65 % right, 25 % wrong (a wrong option, a subset of a multiple choice,
     one blank of two right: half its points), 10 % unanswered (None or {}). The score each attempt
     must get is computed here, independently of exams/grading, and kept in a table of the bench
     database (`bench_expected`). A second exam with the same paper and BENCH_PROFILE_ATTEMPTS
     submitted attempts is graded in one process without Celery (attempt_grade called once for
     each attempt, as the tasks would), to count the SQL of one call and profile them;
  3. starts a real worker with production settings, as docker-compose.yml does:
     `celery -A backend worker --loglevel=INFO --concurrency=2` (prefork; acks_late, prefetch 1 from
     backend/settings/base.py), and warms both of its processes with a few no-op tasks;
  4. BENCH_ROUNDS paired rounds: (a) `exams.noop` for each attempt id, published as fast as one
     `manage.py shell` process can (apply_async on one producer), timed from the first publish until
     the queue is empty and no message is left unacknowledged (acks_late: a message is acknowledged
     when its task has finished); (b) the attempts are reset to `submitted` (scores, grade events
     and wrong-answer-book entries removed, then VACUUM ANALYZE) and `exams.attempt_grade` is
     published for each, timed from the first publish until the database counts all of them
     `graded`. After each grading round: every attempt has exactly one GradeEvent(kind=grade) and
     the expected score;
  5. the regrade: BENCH_REGRADE_ATTEMPTS graded attempts, inserted with SQL (INSERT ... SELECT
     generate_series), spread over exams of 10 questions of 10 points (BENCH_ATTEMPTS attempts an
     exam, one per trainee), all holding one single-choice question version (key: option 0). Its
     responses by attempt id modulo 10: 0-3 chose option 0, 4-7 option 1, 8 option 2, 9 nothing.
     Only that question's answer varies; the nine others are right (10 answers an attempt, to keep
     the set-up in seconds: the regrade reads only the answers of the corrected version). Then
     `question_correct_key` sets the key to option 1 (in a `manage.py shell`: it enqueues batches
     of REGRADE_BATCH attempts on commit), timed from the call until every attempt whose score moves
     (80 %) has its GradeEvent(kind=regrade); then checked: one event each, the new scores, the
     answers' `correct`.

Exits non-zero when an attempt is not graded exactly once with its expected score, or when the
regrade leaves a wrong score or event. Missing a target is reported, not an error.

Environment: BENCH_ATTEMPTS (default 4000), BENCH_ROUNDS (default 3), BENCH_REGRADE_ATTEMPTS
(default 100000; 0 skips the regrade), BENCH_PROFILE_ATTEMPTS (default 150), BENCH_CONCURRENCY
(worker processes, default 2), BENCH_REDIS_DB (default 12), BENCH_SEED (default 1),
BENCH_CELERY_APP (default backend: the worker's -A; a module that imports backend.celery's app and
patches the code under test, to compare a variant; put its folder on PYTHONPATH).
Results are also written to bench/out/exam_grading.json, the worker's log to
bench/out/exam_grading.worker.log.
"""
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from statistics import median
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_me import PY, machine_versions, manage, recreate_database, server_env, start_services  # noqa: E402

ATTEMPTS = int(os.environ.get("BENCH_ATTEMPTS", "4000"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
REGRADE_ATTEMPTS = int(os.environ.get("BENCH_REGRADE_ATTEMPTS", "100000"))
PROFILE_ATTEMPTS = int(os.environ.get("BENCH_PROFILE_ATTEMPTS", "150"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))
SEED = int(os.environ.get("BENCH_SEED", "1"))
CELERY_APP = os.environ.get("BENCH_CELERY_APP", "backend")
BENCH_DB = "cadre_bench_grading"
QUEUE = "celery"  # the default queue: question_correct_key and attempt_submit enqueue with .delay()
TARGET_RATIO = 0.80
TARGET_REGRADE_S = 300.0
OUT = ROOT / "bench" / "out"

SETUP = r"""
import json
import random
from datetime import timedelta
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone
from accounts.models import Organization, Role, User
from exams import questions, setup
from exams.models import Answer, Attempt, Exam

N, PROFILE, SEED = %(attempts)d, %(profile)d, %(seed)d
rng = random.Random(SEED)
region = Organization.objects.add_root(instance=Organization(name="内蒙古自治区", code="NM", kind="region"))
league = Organization.objects.add_child(region, instance=Organization(name="甲盟", code="NM-A", kind="league_city"))
organizer = User.objects.create_user(username="organizer", password="Bench-pass-2026", display_name="压测组织员",
                                     employee_number="O0001", organization=league)
Role.objects.create(user=organizer, organization=league, role=Role.Kind.ORGANIZER)
bank = questions.bank_create(actor=organizer, organization=league, title="压测题库")

# (question, [(response, award), ...] right first): the award is what the response must earn.
paper = []
def add(kind, stem, options, key, points, right, wrong):
    q = questions.question_create(actor=organizer, bank=bank, kind=kind, stem=stem, options=options, key=key, points=points)
    paper.append((q, points, right, wrong))

for i in range(20):
    k = i %% 4
    add("single", f"单选第{i + 1}题：以下哪一项表述正确？", [f"选项{c}" for c in "甲乙丙丁"], {"options": [k]}, 200,
        [({"options": [k]}, 200)], [({"options": [(k + 1) %% 4]}, 0), ({"options": [k, (k + 2) %% 4]}, 0)])
for i in range(10):
    key = sorted(rng.sample(range(5), 3 if i %% 2 else 2))
    other = next(o for o in range(5) if o not in key)
    add("multiple", f"多选第{i + 1}题：以下哪些表述正确？", [f"选项{c}" for c in "甲乙丙丁戊"], {"options": key}, 300,
        [({"options": list(reversed(key))}, 300)], [({"options": key[:1]}, 0), ({"options": key + [other]}, 0)])
for i in range(10):
    value = bool(i %% 2)
    add("true_false", f"判断第{i + 1}题：这一表述是否正确？", [], {"value": value}, 100,
        [({"value": value}, 100)], [({"value": not value}, 0)])
for i in range(10):
    if i < 4:
        add("blank", f"填空第{i + 1}题：促进各民族交往交流____，像____一样紧紧抱在一起。", [],
            {"blanks": [["交融", "交融发展"], ["石榴籽"]]}, 200,
            [({"blanks": ["交融", "石榴籽"]}, 200), ({"blanks": ["　交融发展 ", "石榴籽"]}, 200)],
            [({"blanks": ["交流", "石榴籽"]}, 100), ({"blanks": ["交流", "葡萄"]}, 0)])
    elif i < 9:
        add("blank", f"填空第{i + 1}题：铸牢中华民族____意识。", [], {"blanks": [["共同体"]]}, 200,
            [({"blanks": ["共同体"]}, 200)], [({"blanks": ["共同"]}, 0)])
    else:  # full-width letters in the key, half-width and lower case in the answer: the same after NFKC and casefold
        add("blank", f"填空第{i + 1}题：____类题目与____类题目。", [], {"blanks": [["ＡＢ"], ["ＣＤ"]]}, 200,
            [({"blanks": ["ab", "Cd"]}, 200)], [({"blanks": ["ab", "ef"]}, 100)])
assert sum(points for _q, points, _r, _w in paper) == 10000

now = timezone.now()
def make_exam(title, items):
    exam = setup.exam_create(actor=organizer, organization=league, title=title, opens_at=now - timedelta(hours=3),
                             closes_at=now + timedelta(days=1), duration_minutes=60, pass_score=6000)
    setup.exam_set_items(actor=organizer, exam=exam, items=items)
    exam.refresh_from_db()
    return setup.exam_publish(actor=organizer, exam=exam)

items = [(q.pk, points) for q, points, _r, _w in paper]
exam = make_exam("压测考试", items)
profile_exam = make_exam("压测考试（单进程剖析）", items)

password = make_password("Bench-pass-2026")  # hashed once, shared: nobody logs in with it here
users = User.objects.bulk_create([
    User(username=f"trainee{i:05d}", password=password, display_name=f"学员{i:05d}", employee_number=f"T{i:05d}",
         organization=league)
    for i in range(N)
])
Role.objects.bulk_create([Role(user=u, organization=league, role=Role.Kind.TRAINEE) for u in users])

def sit(exam, chosen_users, status):
    attempts = Attempt.objects.bulk_create([
        Attempt(exam=exam, user=u, organization=league, number=1, status=status,
                started_at=now - timedelta(minutes=40), deadline=now + timedelta(minutes=20),
                submitted_at=now - timedelta(minutes=1), submitted_by=Attempt.SubmittedBy.TRAINEE, max_score=10000)
        for u in chosen_users
    ])
    expected, answers = [], []
    for attempt in attempts:
        total = 0
        for position, (q, points, right, wrong) in enumerate(paper, start=1):
            draw = rng.random()
            if draw < 0.65:
                response, award = rng.choice(right)
            elif draw < 0.90:
                response, award = rng.choice(wrong)
            else:
                response, award = rng.choice([None, {}]), 0
            total += award
            answers.append(Answer(attempt=attempt, question_id=q.pk, version_id=q.current_id, position=position,
                                  option_order=list(range(len(q.current.options))), points=points, response=response,
                                  seq=position, saved_at=now - timedelta(minutes=2)))
        expected.append((attempt.pk, total))
        if len(answers) >= 10000:
            Answer.objects.bulk_create(answers, batch_size=2000)
            answers = []
    Answer.objects.bulk_create(answers, batch_size=2000)
    return expected

# The measured exam's attempts stay in progress until a grading round marks them submitted: a
# grading call may take other submitted attempts than its own (a batch), and the profile's must not.
expected = sit(exam, users, Attempt.Status.IN_PROGRESS) + sit(profile_exam, users[:PROFILE], Attempt.Status.SUBMITTED)
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE bench_expected (attempt_id integer PRIMARY KEY, score integer NOT NULL)")
    cursor.executemany("INSERT INTO bench_expected VALUES (%%s, %%s)", expected)
    cursor.execute("VACUUM ANALYZE")
print("SETUP=" + json.dumps({
    "exam": exam.pk, "profile_exam": profile_exam.pk, "organizer": organizer.pk, "league": league.pk,
    "users": [u.pk for u in users], "bank": bank.pk,
    "mean_expected": sum(s for _a, s in expected[:N]) / N,
    "regrade_fillers": [q.pk for q, _p, _r, _w in paper if q.kind in ("single", "multiple", "true_false")][:9],
}))
"""

PROFILE = r"""
import cProfile
import io
import pstats
import time
from django.db import connection
from exams.grading import grader
from exams.models import Attempt
EXAM = %(exam)d
ids = list(Attempt.objects.filter(exam_id=EXAM).order_by("id").values_list("id", flat=True))
def graded():
    return Attempt.objects.filter(exam_id=EXAM, status="graded").count()
def reset():
    with connection.cursor() as cursor:
        for sql in (%(reset)s):
            cursor.execute(sql, [EXAM])
# One call, its SQL: how many attempts one call grades depends on the code (one, or a batch).
queries = []
def record(execute, sql, params, many, context):
    queries.append(sql)
    return execute(sql, params, many, context)
with connection.execute_wrapper(record):
    grader.attempt_grade(attempt_id=ids[0])
first_call = graded()
for sql in queries:
    print("SQL", sql[:200].replace("\n", " "))
# Every attempt once, as the worker's tasks would call it (a call may find its attempt graded already).
sql_seconds = []
def timed(execute, sql, params, many, context):
    start = time.perf_counter()
    try:
        return execute(sql, params, many, context)
    finally:
        sql_seconds.append(time.perf_counter() - start)
reset()
start = time.perf_counter()
with connection.execute_wrapper(timed):
    for pk in ids:
        grader.attempt_grade(attempt_id=pk)
elapsed = time.perf_counter() - start
done = graded()
print("INPROCESS", len(ids), done, first_call, round(elapsed * 1000, 2), round(sum(sql_seconds) * 1000, 2), len(sql_seconds))
reset()
profiler = cProfile.Profile()
profiler.enable()
for pk in ids:
    grader.attempt_grade(attempt_id=pk)
profiler.disable()
buffer = io.StringIO()
pstats.Stats(profiler, stream=buffer).sort_stats("cumulative").print_stats(30)
print(buffer.getvalue())
"""

PUBLISH = r"""
import time
from backend.celery import app
from exams.models import Attempt
from exams.tasks import attempt_grade_task, noop_task
task = {"grade": attempt_grade_task, "noop": noop_task}["%(kind)s"]
ids = list(Attempt.objects.filter(exam_id=%(exam)d).order_by("id").values_list("id", flat=True))[:%(count)d]
with app.producer_or_acquire() as producer:
    producer.connection.ensure_connection()
    first = time.time()
    for pk in ids:
        task.apply_async((pk,), producer=producer)
    last = time.time()
print("PUBLISHED", len(ids), repr(first), repr(last))
"""

REGRADE = r"""
import time
from accounts.models import User
from exams import questions
from exams.models import QuestionVersion
actor = User.objects.get(pk=%(organizer)d)
version = QuestionVersion.objects.select_related("question__bank__organization").get(pk=%(version)d)
start = time.time()
count = questions.question_correct_key(actor=actor, version=version, key={"options": [1]}, reason="压测：更正答案")
print("CORRECTED", count, repr(start), repr(time.time()), questions.REGRADE_BATCH)
"""

REGRADE_SETUP = r"""
import json
import math
from datetime import timedelta
from django.db import connection
from django.utils import timezone
from accounts.models import User
from exams import questions, setup
from exams.models import QuestionBank
R, N = %(regrade)d, %(attempts)d
organizer = User.objects.get(pk=%(organizer)d)
bank = QuestionBank.objects.get(pk=%(bank)d)
target = questions.question_create(actor=organizer, bank=bank, kind="single", stem="更正答案题：以下哪一项表述正确？",
                                   options=["选项甲", "选项乙", "选项丙", "选项丁"], key={"options": [0]}, points=1000)
now = timezone.now()
exams = []
for k in range(math.ceil(R / N)):
    exam = setup.exam_create(actor=organizer, organization=bank.organization, title=f"更正答案考试{k + 1}",
                             opens_at=now - timedelta(days=2), closes_at=now + timedelta(days=1), duration_minutes=60, pass_score=6000)
    setup.exam_set_items(actor=organizer, exam=exam, items=[(target.pk, 1000)] + [(pk, 1000) for pk in %(fillers)s])
    exam.refresh_from_db()
    exams.append(setup.exam_publish(actor=organizer, exam=exam).pk)
users = %(users)s
with connection.cursor() as cursor:
    cursor.execute('''
        INSERT INTO exams_attempt (exam_id, user_id, organization_id, number, status, started_at, deadline, submitted_at,
                                   submitted_by, graded_at, score, max_score, passed, leave_count, leave_times)
        SELECT (%%(exams)s::int[])[1 + g / %%(n)s], (%%(users)s::int[])[1 + g %%%% %%(n)s], %%(league)s, 1, 'graded',
               now() - interval '2 hours', now() - interval '1 hour', now() - interval '90 minutes', 'trainee',
               now() - interval '89 minutes', 0, 10000, false, 0, '[]'::jsonb
        FROM generate_series(0, %%(r)s - 1) AS g
    ''', {"exams": exams, "users": users[:N], "n": N, "r": R, "league": bank.organization_id})
    # Ten answers an attempt: the corrected question (response by attempt id modulo 10) and nine right ones.
    cursor.execute('''
        WITH items AS (
            SELECT i.exam_id, i.question_id, v.id AS version_id, i.position, i.points, v.key,
                   COALESCE((SELECT jsonb_agg(x ORDER BY x) FROM generate_series(0, jsonb_array_length(v.options) - 1) x), '[]'::jsonb) AS option_order
            FROM exams_examitem i JOIN exams_question q ON q.id = i.question_id JOIN exams_questionversion v ON v.id = q.current_id
            WHERE i.exam_id = ANY(%%(exams)s)
        ), rows AS (
            SELECT a.id AS attempt_id, a.submitted_at, it.*,
                   CASE WHEN it.question_id <> %%(target)s THEN it.key
                        WHEN a.id %%%% 10 < 4 THEN '{"options": [0]}'::jsonb
                        WHEN a.id %%%% 10 < 8 THEN '{"options": [1]}'::jsonb
                        WHEN a.id %%%% 10 = 8 THEN '{"options": [2]}'::jsonb END AS response,
                   it.question_id <> %%(target)s OR a.id %%%% 10 < 4 AS correct
            FROM exams_attempt a JOIN items it ON it.exam_id = a.exam_id
            WHERE a.exam_id = ANY(%%(exams)s)
        )
        INSERT INTO exams_answer (attempt_id, question_id, version_id, position, option_order, points, response, seq, saved_at,
                                  score, correct, comment)
        SELECT attempt_id, question_id, version_id, position, option_order, points, response, 1, submitted_at - interval '1 minute',
               CASE WHEN correct THEN points ELSE 0 END, correct, ''
        FROM rows
    ''', {"exams": exams, "target": target.pk})
    answers = cursor.rowcount
    cursor.execute('''
        UPDATE exams_attempt a SET score = s.total, passed = s.total >= 6000
        FROM (SELECT attempt_id, SUM(score) AS total FROM exams_answer WHERE attempt_id IN (
              SELECT id FROM exams_attempt WHERE exam_id = ANY(%%(exams)s)) GROUP BY attempt_id) s
        WHERE a.id = s.attempt_id
    ''', {"exams": exams})
    cursor.execute("SELECT COUNT(*) FILTER (WHERE a.id %%%% 10 < 8), COUNT(*) FROM exams_attempt a WHERE exam_id = ANY(%%s)", [exams])
    moving, attempts = cursor.fetchone()
    cursor.execute("VACUUM ANALYZE")
print("REGRADE_SETUP=" + json.dumps({"version": target.current_id, "question": target.pk, "exams": exams,
                                      "attempts": attempts, "answers": answers, "moving": moving}))
"""


def log(message: str) -> None:
    print(f"[exam_grading] {message}", file=sys.stderr, flush=True)


def stop_on_sigterm() -> None:
    """A run sent to the background ignores SIGINT: make SIGTERM unwind through the `finally` that
    stops the worker (and the services, if this run started them)."""
    signal.signal(signal.SIGTERM, lambda *_: sys.exit("terminated"))


def redis_db_url(url: str, db: int) -> str:
    return urlsplit(url)._replace(path=f"/{db}").geturl()


def versions(database_url: str, redis_client) -> dict:
    import celery
    import kombu
    import psycopg

    return {**machine_versions(database_url), "psycopg": psycopg.__version__, "celery": celery.__version__,
            "kombu": kombu.__version__, "redis": redis_client.info("server")["redis_version"]}


class Worker:
    """`celery -A backend worker` in a session of its own (stopped by its process group id)."""

    def __init__(self, env: dict, name: str, concurrency: int, log_path: Path, loglevel: str = "INFO"):
        self.log_path = log_path
        self.log_file = open(log_path, "wb")
        command = [PY, "-m", "celery", "-A", CELERY_APP, "worker", f"--loglevel={loglevel}",
                   f"--concurrency={concurrency}", "-n", f"{name}-{os.getpid()}@%h"]
        print(f"[bench] {' '.join(command[2:])}", file=sys.stderr, flush=True)
        self.process = subprocess.Popen(command, cwd=ROOT, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=self.log_file,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + 60
        while " ready." not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                sys.exit("the worker did not start:\n" + self.text()[-3000:])
            time.sleep(0.2)

    def text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def succeeded(self, task: str) -> int:
        return len(re.findall(rf"Task {re.escape(task)}\[[^\]]+\] succeeded", self.text()))

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.terminate()  # warm shutdown: finishes the tasks at hand
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log_file.close()


class Broker:
    def __init__(self, url: str):
        import redis

        self.client = redis.Redis.from_url(url)

    def pending(self) -> tuple[int, int]:
        """(messages waiting in the queue, messages taken and not yet acknowledged)."""
        pipe = self.client.pipeline()
        pipe.llen(QUEUE)
        pipe.hlen("unacked")
        waiting, unacked = pipe.execute()
        return waiting, unacked

    def clean(self) -> list[str]:
        """Remove the Celery/kombu keys of this database (leftovers of an interrupted run)."""
        keys = [k.decode() for k in self.client.keys("*") if k.decode() in (QUEUE, "unacked", "unacked_index", "unacked_mutex")
                or k.decode().startswith("_kombu.")]
        if keys:
            self.client.delete(*keys)
        return keys


class Database:
    """The bench's own connection, for counts, resets and checks (autocommit)."""

    def __init__(self, url: str):
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)

    def one(self, sql: str, params=None):
        return self.conn.execute(sql, params).fetchone()

    def run(self, sql: str, params=None) -> int:
        return self.conn.execute(sql, params).rowcount


def publish(env: dict, kind: str, exam: int, count: int) -> subprocess.Popen:
    return subprocess.Popen([PY, "manage.py", "shell", "-c", PUBLISH % {"kind": kind, "exam": exam, "count": count}],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def published(process: subprocess.Popen) -> tuple[int, float, float]:
    out, err = process.communicate(timeout=600)
    match = re.search(r"^PUBLISHED (\d+) ([\d.]+) ([\d.]+)$", out, re.M)
    if process.returncode != 0 or not match:
        sys.exit(f"publishing failed:\n{out}\n{err}")
    return int(match.group(1)), float(match.group(2)), float(match.group(3))


def wait_until(done, process: subprocess.Popen | None, worker: Worker, timeout: float, poll: float) -> float:
    """Poll `done()` until true after the publisher exited; the wall-clock time (time.time()) it was first seen true."""
    deadline = time.monotonic() + timeout
    while True:
        now = time.time()
        if (process is None or process.poll() is not None) and done():
            return now
        if not worker.alive():
            sys.exit("the worker died:\n" + worker.text()[-3000:])
        if time.monotonic() > deadline:
            sys.exit(f"not done after {timeout:.0f} s")
        time.sleep(poll)


def noop_round(env: dict, broker: Broker, worker: Worker, exam: int, count: int) -> dict:
    before = worker.succeeded("exams.noop")
    process = publish(env, "noop", exam, count)
    done_at = wait_until(lambda: broker.pending() == (0, 0), process, worker, timeout=600, poll=0.02)
    n, first, last = published(process)
    seconds = done_at - first
    completed = worker.succeeded("exams.noop") - before
    return {"tasks": n, "seconds": seconds, "tasks_per_s": n / seconds, "publish_seconds": last - first,
            "completed_in_worker_log": completed}


RESET = (  # an exam's attempts back to submitted, as if nothing had graded them (one parameter: the exam)
    "DELETE FROM exams_gradeevent WHERE attempt_id IN (SELECT id FROM exams_attempt WHERE exam_id = %s)",
    "DELETE FROM exams_mistakebookentry WHERE attempt_id IN (SELECT id FROM exams_attempt WHERE exam_id = %s)",
    "UPDATE exams_answer SET score = NULL, correct = NULL WHERE attempt_id IN (SELECT id FROM exams_attempt WHERE exam_id = %s)"
    " AND (score IS NOT NULL OR correct IS NOT NULL)",
    "UPDATE exams_attempt SET status = 'submitted', score = NULL, passed = NULL, graded_at = NULL WHERE exam_id = %s",
)


def reset_grading(db: Database, exam: int) -> None:
    for sql in RESET:
        db.run(sql, [exam])
    for table in ("exams_attempt", "exams_answer", "exams_gradeevent", "exams_mistakebookentry"):
        db.run(f"VACUUM ANALYZE {table}")


def check_grading(db: Database, exam: int) -> dict:
    attempts, graded, events, distinct_events, wrong_scores, mistakes = db.one("""
        SELECT (SELECT COUNT(*) FROM exams_attempt WHERE exam_id = %(e)s),
               (SELECT COUNT(*) FROM exams_attempt WHERE exam_id = %(e)s AND status = 'graded'),
               (SELECT COUNT(*) FROM exams_gradeevent g JOIN exams_attempt a ON a.id = g.attempt_id WHERE a.exam_id = %(e)s AND g.kind = 'grade'),
               (SELECT COUNT(DISTINCT g.attempt_id) FROM exams_gradeevent g JOIN exams_attempt a ON a.id = g.attempt_id WHERE a.exam_id = %(e)s AND g.kind = 'grade'),
               (SELECT COUNT(*) FROM exams_attempt a JOIN bench_expected x ON x.attempt_id = a.id
                WHERE a.exam_id = %(e)s AND (a.score IS DISTINCT FROM x.score OR a.passed IS DISTINCT FROM (x.score >= 6000))),
               (SELECT COUNT(*) FROM exams_mistakebookentry m JOIN exams_attempt a ON a.id = m.attempt_id WHERE a.exam_id = %(e)s)
    """, {"e": exam})
    events_wrong = db.one("""
        SELECT COUNT(*) FROM exams_gradeevent g JOIN exams_attempt a ON a.id = g.attempt_id
        WHERE a.exam_id = %s AND g.kind = 'grade' AND g.score_after IS DISTINCT FROM a.score""", [exam])[0]
    ok = attempts == graded == events == distinct_events and wrong_scores == 0 and events_wrong == 0
    return {"attempts": attempts, "graded": graded, "grade_events": events, "attempts_with_event": distinct_events,
            "scores_not_as_expected": wrong_scores, "events_not_matching_score": events_wrong,
            "mistake_book_entries": mistakes, "exactly_once_and_right": ok}


def grading_round(env: dict, db: Database, broker: Broker, worker: Worker, exam: int, count: int) -> dict:
    reset_grading(db, exam)
    before = worker.succeeded("exams.attempt_grade")
    process = publish(env, "grade", exam, count)
    def done() -> bool:
        return db.one("SELECT COUNT(*) FROM exams_attempt WHERE exam_id = %s AND status = 'graded'", [exam])[0] >= count

    done_at = wait_until(done, process, worker, timeout=1800, poll=0.05)
    n, first, last = published(process)
    seconds = done_at - first
    wait_until(lambda: broker.pending() == (0, 0), None, worker, timeout=60, poll=0.05)
    check = check_grading(db, exam)
    return {"tasks": n, "seconds": seconds, "tasks_per_s": n / seconds, "publish_seconds": last - first,
            "completed_in_worker_log": worker.succeeded("exams.attempt_grade") - before, "check": check}


def regrade(env: dict, db: Database, broker: Broker, worker: Worker, setup: dict) -> dict:
    log(f"regrade: inserting {REGRADE_ATTEMPTS} graded attempts with 10 answers each")
    start = time.monotonic()
    output = manage(env, "shell", "-c", REGRADE_SETUP % {
        "regrade": REGRADE_ATTEMPTS, "attempts": ATTEMPTS, "organizer": setup["organizer"], "bank": setup["bank"],
        "fillers": setup["regrade_fillers"], "users": setup["users"]})
    made = json.loads(re.search(r"^REGRADE_SETUP=(.*)$", output, re.M).group(1))
    setup_seconds = time.monotonic() - start
    log(f"regrade: {made['attempts']} attempts, {made['answers']} answers in {setup_seconds:.0f} s; correcting the key")
    events_before = db.one("SELECT COUNT(*) FROM exams_gradeevent WHERE kind = 'regrade'")[0]
    before = worker.succeeded("exams.attempts_regrade")
    process = subprocess.Popen([PY, "manage.py", "shell", "-c", REGRADE % {"organizer": setup["organizer"], "version": made["version"]}],
                               cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    samples = []

    def done() -> bool:
        events = db.one("SELECT COUNT(*) FROM exams_gradeevent WHERE kind = 'regrade'")[0] - events_before
        samples.append((time.time(), events))
        return events >= made["moving"] and broker.pending() == (0, 0)

    done_at = wait_until(done, process, worker, timeout=3600, poll=0.5)
    out, err = process.communicate()
    match = re.search(r"^CORRECTED (\d+) ([\d.]+) ([\d.]+) (\d+)$", out, re.M)
    if process.returncode != 0 or not match:
        sys.exit(f"question_correct_key failed:\n{out}\n{err}")
    enqueued, called, returned, batch = int(match.group(1)), float(match.group(2)), float(match.group(3)), int(match.group(4))
    seconds = done_at - called
    batch_seconds = [float(s) for s in re.findall(r"Task exams\.attempts_regrade\[[^\]]+\] succeeded in ([\d.]+)s", worker.text())]
    exams = made["exams"]
    events, distinct, wrong_scores, wrong_answers, wrong_events = db.one("""
        SELECT (SELECT COUNT(*) FROM exams_gradeevent WHERE kind = 'regrade'),
               (SELECT COUNT(DISTINCT attempt_id) FROM exams_gradeevent WHERE kind = 'regrade'),
               (SELECT COUNT(*) FROM exams_attempt a JOIN exams_answer x ON x.attempt_id = a.id AND x.version_id = %(v)s
                WHERE a.exam_id = ANY(%(exams)s)
                  AND (a.score <> 9000 + CASE WHEN x.response = '{"options": [1]}'::jsonb THEN 1000 ELSE 0 END OR a.passed IS NOT TRUE)),
               (SELECT COUNT(*) FROM exams_answer x WHERE x.version_id = %(v)s
                  AND (x.correct IS DISTINCT FROM (x.response IS NOT NULL AND x.response = '{"options": [1]}'::jsonb)
                       OR x.score <> CASE WHEN x.response = '{"options": [1]}'::jsonb THEN 1000 ELSE 0 END)),
               (SELECT COUNT(*) FROM exams_gradeevent g JOIN exams_attempt a ON a.id = g.attempt_id
                WHERE g.kind = 'regrade' AND (g.score_after <> a.score OR g.score_before + CASE WHEN a.id %% 10 < 4 THEN -1000 ELSE 1000 END <> g.score_after))
    """, {"v": made["version"], "exams": exams})
    ok = (events - events_before == distinct == made["moving"] and wrong_scores == 0 and wrong_answers == 0 and wrong_events == 0
          and enqueued == made["attempts"])
    return {
        "attempts": made["attempts"], "answers": made["answers"], "setup_seconds": round(setup_seconds, 1),
        "attempts_moving": made["moving"], "enqueued_attempts": enqueued, "batch_size": batch,
        "batches": math.ceil(enqueued / batch), "batches_in_worker_log": worker.succeeded("exams.attempts_regrade") - before,
        "correct_key_call_seconds": returned - called, "seconds": seconds, "attempts_per_s": made["attempts"] / seconds,
        "batch_seconds": {"median": median(batch_seconds) if batch_seconds else None,
                          "min": min(batch_seconds, default=None), "max": max(batch_seconds, default=None)},
        "progress": [(round(t - called, 1), n) for t, n in samples[:: max(1, len(samples) // 40)]],
        "check": {"regrade_events": events - events_before, "attempts_with_event": distinct,
                  "scores_not_as_expected": wrong_scores, "answers_not_as_expected": wrong_answers,
                  "events_not_matching": wrong_events, "right": ok},
    }


def main() -> None:
    stop_on_sigterm()
    urls, started = start_services()
    worker = None
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
        log(f"setting up a 50-question exam and {ATTEMPTS} submitted attempts (+{PROFILE_ATTEMPTS} to profile)")
        start = time.monotonic()
        setup = json.loads(re.search(r"^SETUP=(.*)$", manage(env, "shell", "-c", SETUP % {
            "attempts": ATTEMPTS, "profile": PROFILE_ATTEMPTS, "seed": SEED}), re.M).group(1))
        log(f"set up in {time.monotonic() - start:.0f} s")
        db = Database(database_url)
        machine = versions(database_url, broker.client)

        profile = manage(env, "shell", "-c", PROFILE % {"exam": setup["profile_exam"], "reset": repr(RESET)})
        queries = [line[4:] for line in profile.splitlines() if line.startswith("SQL ")]
        calls, profiled, first_call, elapsed_ms, sql_ms, sql_count = re.search(
            r"^INPROCESS (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+) (\d+)$", profile, re.M).groups()
        if int(profiled) != int(calls):
            sys.exit(f"the in-process pass graded {profiled} of {calls} attempts")
        OUT.mkdir(parents=True, exist_ok=True)
        (OUT / "exam_grading.profile.txt").write_text(profile)

        worker = Worker(env, "bench-grading", CONCURRENCY, OUT / "exam_grading.worker.log")
        warm = publish(env, "noop", setup["exam"], 40)
        wait_until(lambda: broker.pending() == (0, 0), warm, worker, timeout=120, poll=0.05)
        published(warm)

        load_before = os.getloadavg()[0]
        rounds = []
        for number in range(1, ROUNDS + 1):
            log(f"round {number}/{ROUNDS}: {ATTEMPTS} no-op tasks")
            noop = noop_round(env, broker, worker, setup["exam"], ATTEMPTS)
            log(f"  no-op: {noop['tasks_per_s']:.0f} tasks/s; now {ATTEMPTS} gradings")
            grade = grading_round(env, db, broker, worker, setup["exam"], ATTEMPTS)
            log(f"  grading: {grade['tasks_per_s']:.0f} tasks/s, check {grade['check']}")
            rounds.append({"noop": noop, "grade": grade, "ratio": grade["tasks_per_s"] / noop["tasks_per_s"]})

        regraded = regrade(env, db, broker, worker, setup) if REGRADE_ATTEMPTS else None
    finally:
        if worker is not None:
            worker.stop()
        if started:
            subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop"], capture_output=True)

    noop_rate = median(r["noop"]["tasks_per_s"] for r in rounds)
    grade_rate = median(r["grade"]["tasks_per_s"] for r in rounds)
    ratio = median(r["ratio"] for r in rounds)
    worker_log = worker.text()
    notable = [line for line in worker_log.splitlines() if re.search(r"\b(ERROR|WARNING|CRITICAL)\b|Traceback", line)]
    result = {
        "date": time.strftime("%Y-%m-%d"),
        "versions": machine,
        "method": {"attempts": ATTEMPTS, "questions": 50, "rounds": ROUNDS, "worker": f"prefork --concurrency={CONCURRENCY}",
                   "celery_app": CELERY_APP,
                   "redis_db": REDIS_DB, "seed": SEED, "regrade_attempts": REGRADE_ATTEMPTS},
        "load_average_1min_before": round(load_before, 2),
        "mean_expected_score": setup["mean_expected"] / 100,
        "rounds": rounds,
        "noop_tasks_per_s": noop_rate,
        "grade_tasks_per_s": grade_rate,
        "ratio": ratio,
        "grading_sql_first_call": queries,
        "first_call_graded_attempts": int(first_call),
        "in_process_ms_per_attempt": float(elapsed_ms) / int(calls),
        "in_process_sql_ms_per_attempt": float(sql_ms) / int(calls),
        "in_process_sql_statements_per_attempt": int(sql_count) / int(calls),
        "in_process_attempts": int(calls),
        "regrade": regraded,
        "worker_log_notable": notable[-30:],
    }
    (OUT / "exam_grading.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))

    v = machine
    print(f"exam_grading: {v['cores']} cores {v['machine']}, Python {v['python']}, Django {v['django']}, psycopg {v['psycopg']}, "
          f"PostgreSQL {v['postgresql']}, Celery {v['celery']}, kombu {v['kombu']}, Redis {v['redis']}; worker prefork "
          f"--concurrency={CONCURRENCY}; {ATTEMPTS} attempts of 50 questions; median of {ROUNDS} paired rounds; "
          f"1-min load average before: {result['load_average_1min_before']}")
    for name, key in (("exams.noop", "noop"), ("exams.attempt_grade", "grade")):
        rates = ", ".join(f"{r[key]['tasks_per_s']:.0f}" for r in rounds)
        seconds = ", ".join(f"{r[key]['seconds']:.1f}" for r in rounds)
        publish_s = ", ".join(f"{r[key]['publish_seconds']:.1f}" for r in rounds)
        print(f"  {name:<20} {median(r[key]['tasks_per_s'] for r in rounds):7.1f} tasks/s  (rounds: {rates} /s; {seconds} s;"
              f" publishing took {publish_s} s)")
    print(f"  grading / no-op      {ratio:7.1%}  ({'meets' if ratio >= TARGET_RATIO else 'MISSES'} the 80 % target; rounds: "
          + ", ".join(f"{r['ratio']:.1%}" for r in rounds) + ")")
    checks = [r["grade"]["check"] for r in rounds]
    print(f"  checks: " + "; ".join(
        f"{c['graded']}/{c['attempts']} graded, {c['grade_events']} grade events on {c['attempts_with_event']} attempts, "
        f"{c['scores_not_as_expected']} scores off, {c['mistake_book_entries']} wrong-answer-book entries" for c in checks))
    print(f"  in one process without Celery, attempt_grade called once for each of {result['in_process_attempts']} attempts: "
          f"{result['in_process_ms_per_attempt']:.2f} ms an attempt, of which SQL {result['in_process_sql_ms_per_attempt']:.2f} ms "
          f"({result['in_process_sql_statements_per_attempt']:.1f} statements); the first call graded "
          f"{result['first_call_graded_attempts']} attempt(s) with {len(queries)} statements:")
    for sql in queries:
        print(f"    {sql[:150]}")
    if regraded:
        r = regraded
        print(f"  regrade: {r['attempts']} attempts ({r['answers']} answers, set up in {r['setup_seconds']:.0f} s), "
              f"{r['attempts_moving']} of them move; {r['batches']} batches of {r['batch_size']}: "
              f"{r['seconds']:.1f} s from the call to the last event ({r['attempts_per_s']:.0f} attempts/s; "
              f"{'meets' if r['seconds'] < TARGET_REGRADE_S else 'MISSES'} the 5-minute target); the call itself "
              f"{r['correct_key_call_seconds']:.1f} s; a batch {r['batch_seconds']['median']:.1f} s (median, "
              f"{r['batch_seconds']['min']:.1f}-{r['batch_seconds']['max']:.1f})")
        c = r["check"]
        print(f"    check: {c['regrade_events']} regrade events on {c['attempts_with_event']} attempts, {c['scores_not_as_expected']} "
              f"scores off, {c['answers_not_as_expected']} answers off, {c['events_not_matching']} events off: "
              + ("right" if c["right"] else "WRONG"))
    if notable:
        print(f"  worker log: {len(notable)} notable lines; the last ones:")
        for line in notable[-10:]:
            print(f"    {line[:200]}")

    failures = [f"round {n}" for n, c in enumerate(checks, start=1) if not c["exactly_once_and_right"]]
    if regraded and not regraded["check"]["right"]:
        failures.append("regrade")
    if failures:
        sys.exit("exam_grading: FAILED: " + ", ".join(failures))


if __name__ == "__main__":
    main()
