"""The compliance rollup over 1,000,000 sessions in 20,000 classes across about 2,000
organizations, beside a hand-written SQL GROUP BY of the same figures; and a 10,000-row
compliance PDF's peak memory. Targets: the rollup at most 1.5x the hand-written SQL; the PDF under
200 MB peak memory, its rows streamed.

What it does, on the private PostgreSQL (scripts/services.sh; stopped after if it started it):
  1. a fresh database `cadre_bench_reports`, migrated; with SQL: a region, 20 leagues, 200 banners
     and 1,800 townships (2,021 organizations, treebeard paths), an auditor with a role at the
     region, one topic-hour rule (main classes, 10 %, topic 铸牢中华民族共同体意识); 20,000 closed
     classes hosted at banners and townships, half starting in 2025 (one in five of those a special
     class, not covered) and half in 2026 (all main: the 10,000 rows of the PDF);
     50 sessions each (1,000,000; 1 to 3 课时), one in eight tagged with the topic; ANALYZE;
  2. in one `manage.py shell`: `reports.rollups.compliance_rollup` for the region over 2025-2026
     (all 20,000 classes), and the hand-written statement, each BENCH_ROUNDS times (default 5),
     alternating; the median of each; their figures compared row by row (they must be equal);
  3. in another process: the compliance PDF of 2026 (10,000 classes) built by
     `reports.exports.pdf`; the process's peak resident memory (getrusage) before and after, and
     tracemalloc's peak during the build; the PDF's pages and size.
Exits non-zero when the figures differ. Results also in bench/out/report_compliance.json.
"""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_me import machine_versions, manage, recreate_database, server_env, start_services  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
BENCH_DB = "cadre_bench_reports"
OUT = ROOT / "bench" / "out"

SETUP = r"""
import random
from django.contrib.auth.hashers import make_password
from django.db import connection
from accounts.models import Organization, Role, User
from courses.models import ComplianceRule, Topic

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
def step(n):
    out = ""
    for _ in range(4):
        n, r = divmod(n, 36); out = ALPHABET[r] + out
    return out
rows = [("0001", 1, 20, "自治区", "R", "region")]
banners, towns = [], []
for l in range(1, 21):
    lp = "0001" + step(l); rows.append((lp, 2, 10, f"盟{l}", f"L{l}", "league_city"))
    for b in range(1, 11):
        bp = lp + step(b); rows.append((bp, 3, 9, f"盟{l}旗{b}", f"L{l}-B{b}", "banner_county")); banners.append(bp)
        for t in range(1, 10):
            tp = bp + step(t); rows.append((tp, 4, 0, f"盟{l}旗{b}镇{t}", f"L{l}-B{b}-T{t}", "township")); towns.append(tp)
with connection.cursor() as c:
    c.executemany("INSERT INTO accounts_organization (path, depth, numchild, name, code, kind, created_at) VALUES (%s, %s, %s, %s, %s, %s, now())", rows)
region = Organization.objects.get(path="0001")
auditor = User.objects.create(username="auditor", display_name="审核员", organization=region, password=make_password(None))
Role.objects.create(user=auditor, organization=region, role="auditor")
topic, _ = Topic.objects.get_or_create(name="铸牢中华民族共同体意识")
ComplianceRule.objects.update(active=False)
rule = ComplianceRule.objects.create(name="主体班次专题课时不少于10%", metric="topic_hour_ratio", class_kinds=["main"], topic=topic, threshold=1000)
with connection.cursor() as c:
    c.execute('''
        WITH hosts AS (SELECT array_agg(id ORDER BY id) AS ids FROM accounts_organization WHERE depth >= 3)
        INSERT INTO courses_trainingclass (organization_id, kind, title, year, starts_on, ends_on, status, target_count,
            min_attendance_percent, min_centi_hours, late_after_minutes, agenda_file, timetable_file, created_by_id, created_at)
        SELECT hosts.ids[1 + (g * 7919) %% cardinality(hosts.ids)], CASE WHEN g %% 10 = 0 THEN 'special' ELSE 'main' END,
               '第' || g || '期培训班', CASE WHEN g %% 2 = 0 THEN 2025 ELSE 2026 END,
               make_date(CASE WHEN g %% 2 = 0 THEN 2025 ELSE 2026 END, 1 + g %% 12, 1 + g %% 28),
               make_date(CASE WHEN g %% 2 = 0 THEN 2025 ELSE 2026 END, 1 + g %% 12, 1 + g %% 28),
               'closed', 0, 80, 0, 10, '', '', %s, now()
        FROM generate_series(1, 20000) g, hosts
    ''', [auditor.pk])
    c.execute('''
        INSERT INTO courses_classsession (training_class_id, title, starts_at, ends_at, centi_hours, teacher, place, mode, audience_count,
            checkin_key, created_at)
        SELECT c.id, '课' || s, c.starts_on + (s || ' hours')::interval, c.starts_on + (s || ' hours')::interval + interval '45 minutes',
               100 + ((c.id * 31 + s * 17) % 3) * 100, '', '', 'offline', 0, '', now()
        FROM courses_trainingclass c CROSS JOIN generate_series(1, 50) s
    ''')
    c.execute('''
        INSERT INTO courses_classsession_topics (classsession_id, topic_id)
        SELECT id, %s FROM courses_classsession WHERE (id * 7) %% 8 = 0
    ''', [topic.pk])
    c.execute("ANALYZE")
    c.execute("SELECT count(*) FROM accounts_organization"); orgs = c.fetchone()[0]
    c.execute("SELECT count(*) FROM courses_trainingclass"); classes = c.fetchone()[0]
    c.execute("SELECT count(*) FROM courses_classsession"); sessions = c.fetchone()[0]
print(f"SETUP orgs={orgs} classes={classes} sessions={sessions} rule={rule.pk}")
"""

MEASURE = r"""
import statistics, time
from datetime import date
from django.db import connection
from accounts.models import Organization, User
from courses.models import ComplianceRule
from reports import rollups

user = User.objects.get(username="auditor")
region = Organization.objects.get(path="0001")
rule = ComplianceRule.objects.get(pk=%(rule)d)
period = rollups.Period(date(2025, 1, 1), date(2026, 12, 31))
HAND = '''
WITH s AS (
    SELECT cs.training_class_id AS id, sum(cs.centi_hours) AS total,
           sum(cs.centi_hours) FILTER (WHERE t.classsession_id IS NOT NULL) AS topic
    FROM courses_classsession cs
    LEFT JOIN courses_classsession_topics t ON t.classsession_id = cs.id AND t.topic_id = %%(topic)s
    GROUP BY cs.training_class_id
), c AS (
    SELECT o.path, coalesce(s.total, 0) AS total, coalesce(s.topic, 0) AS topic
    FROM courses_trainingclass tc JOIN accounts_organization o ON o.id = tc.organization_id LEFT JOIN s ON s.id = tc.id
    WHERE tc.status IN ('running', 'closed') AND tc.kind = 'main' AND tc.starts_on BETWEEN %%(first)s AND %%(last)s
      AND o.path LIKE '0001%%%%'
)
SELECT substr(c.path, 1, d.w), count(*), sum(CASE WHEN c.total > 0 THEN 1 ELSE 0 END),
       sum(CASE WHEN c.total > 0 AND c.topic * 10000 >= %%(threshold)s * c.total THEN 1 ELSE 0 END), sum(c.total), sum(c.topic)
FROM c JOIN (VALUES (4), (8), (12), (16)) d(w) ON length(c.path) >= d.w GROUP BY 1 ORDER BY 1
'''
def ours():
    user.__dict__.pop("_scope_paths_cache", None)
    return [(r.organization.path, r.classes, r.decidable, r.complying, r.total, r.topic)
            for r in rollups.compliance_rollup(user=user, organization=region, period=period, rule=rule)]
def hand():
    with connection.cursor() as c:
        c.execute(HAND, {"topic": rule.topic_id, "first": period.first, "last": period.last, "threshold": rule.threshold})
        return [tuple(r) for r in c.fetchall()]
ours(); hand()  # warm the caches
t_ours, t_hand = [], []
for _ in range(%(rounds)d):
    s = time.perf_counter(); a = ours(); t_ours.append(time.perf_counter() - s)
    s = time.perf_counter(); b = hand(); t_hand.append(time.perf_counter() - s)
print("ROLLUP", statistics.median(t_ours), statistics.median(t_hand), len(a), a == b, a[0] if a else None, b[0] if b else None)
"""

PDF = r"""
import resource, time, tracemalloc
from datetime import date
from accounts.models import Organization, User
from courses.models import ComplianceRule
from reports import exports, rollups
from reports.documents import compliance_report

user = User.objects.get(username="auditor")
region = Organization.objects.get(path="0001")
rule = ComplianceRule.objects.get(pk=%(rule)d)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
report = compliance_report(user=user, organization=region, period=rollups.Period.year(2026), rule=rule)
rows = rollups.compliance_classes(user=user, organization=region, period=rollups.Period.year(2026), rule=rule).count()
tracemalloc.start()
start = time.perf_counter()
content = exports.pdf(report)
elapsed = time.perf_counter() - start
_current, peak = tracemalloc.get_traced_memory()
tracemalloc.stop()
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
open("%(out)s", "wb").write(content)
print("PDF", rows, elapsed, before, after, peak, len(content))
"""


def log(message: str) -> None:
    print(f"[report_compliance] {message}", file=sys.stderr, flush=True)


def main() -> None:
    urls, started = start_services()
    try:
        database_url = recreate_database(urls["DATABASE_URL"], BENCH_DB)
        env = {**server_env(database_url, ""), "REDIS_URL": ""}
        log(f"migrating {BENCH_DB}")
        manage(env, "migrate", "--noinput")
        log("building 2,021 organizations, 20,000 classes and 1,000,000 sessions")
        start = time.monotonic()
        setup = re.search(r"^SETUP orgs=(\d+) classes=(\d+) sessions=(\d+) rule=(\d+)$", manage(env, "shell", "-c", SETUP), re.M)
        orgs, classes, sessions, rule = map(int, setup.groups())
        log(f"set up in {time.monotonic() - start:.0f} s")
        machine = machine_versions(database_url)
        out = manage(env, "shell", "-c", MEASURE % {"rule": rule, "rounds": ROUNDS})
        line = re.search(r"^ROLLUP (\S+) (\S+) (\d+) (True|False) (.*)$", out, re.M)
        ours_s, hand_s, rollup_rows, equal = float(line.group(1)), float(line.group(2)), int(line.group(3)), line.group(4) == "True"
        OUT.mkdir(parents=True, exist_ok=True)
        pdf_path = OUT / "report_compliance.pdf"
        out = manage(env, "shell", "-c", PDF % {"rule": rule, "out": pdf_path})
        pdf_rows, pdf_s, rss_before, rss_after, traced_peak, pdf_bytes = re.search(
            r"^PDF (\d+) (\S+) (\d+) (\d+) (\d+) (\d+)$", out, re.M).groups()
    finally:
        if started:
            subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop"], capture_output=True)
    pages = None
    try:
        info = subprocess.run(["pdfinfo", str(pdf_path)], capture_output=True, text=True, check=True).stdout
        pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    except (OSError, subprocess.CalledProcessError, AttributeError):
        pass
    ratio = ours_s / hand_s
    result = {
        "date": time.strftime("%Y-%m-%d"), "versions": machine, "organizations": orgs, "classes": classes, "sessions": sessions,
        "rounds": ROUNDS, "rollup_seconds": ours_s, "hand_sql_seconds": hand_s, "ratio": ratio, "rollup_rows": rollup_rows,
        "figures_equal": equal, "pdf": {"rows": int(pdf_rows), "seconds": float(pdf_s), "peak_rss_mib_before": int(rss_before) / 1024,
                                        "peak_rss_mib_after": int(rss_after) / 1024, "tracemalloc_peak_mib": int(traced_peak) / 2**20,
                                        "bytes": int(pdf_bytes), "pages": pages},
    }
    (OUT / "report_compliance.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"report_compliance: {machine}")
    print(f"  {orgs} organizations, {classes} classes, {sessions} sessions; rollup over all classes (2025-2026): {rollup_rows} rows")
    print(f"  compliance_rollup {ours_s * 1000:.0f} ms, hand-written SQL {hand_s * 1000:.0f} ms (medians of {ROUNDS}): "
          f"{ratio:.2f}x ({'meets' if ratio <= 1.5 else 'MISSES'} the 1.5x target); figures equal: {equal}")
    p = result["pdf"]
    print(f"  compliance PDF of {p['rows']} classes: {p['seconds']:.1f} s, {p['pages']} pages, {p['bytes'] / 2**20:.1f} MiB; peak RSS "
          f"{p['peak_rss_mib_before']:.0f} MiB before, {p['peak_rss_mib_after']:.0f} MiB after "
          f"({'meets' if p['peak_rss_mib_after'] < 200 else 'MISSES'} the 200 MB target); tracemalloc peak {p['tracemalloc_peak_mib']:.1f} MiB")
    if not equal:
        sys.exit("report_compliance: FAILED: the rollup's figures differ from the hand-written SQL's")


if __name__ == "__main__":
    main()
