"""10,000 certificates issued through a 2-process Celery worker: the time from the organizer's
request to the last PDF, the worker's peak memory, and the size of each PDF. Target: a rate at
which 60,000 certificates take under 5 minutes on this 2-core machine (200 certificates/s).

What it does, all on loopback:
  1. starts the private PostgreSQL and Redis (scripts/services.sh), stopping them after if it
     started them; the broker is Redis database BENCH_REDIS_DB (default 12, as the other Celery
     benches), cleaned first;
  2. a fresh database `cadre_bench_certificates`, migrated; through the services: a league, an
     organizer, a certificate template (portrait, no seal unless BENCH_SEAL=1: a 400-px transparent
     PNG), a closed class whose BENCH_CERTIFICATES trainees (default 10,000; two- and three-character
     names drawn from common surnames and given-name characters) all completed it, and its criteria;
  3. a worker with production settings as docker-compose.yml runs it (prefork, --concurrency=2,
     acks_late, prefetch 1), media files in bench/out/certificate_media;
  4. `issue_request` in a `manage.py shell` (the task is published on commit); timed from that
     call until the run is done. The run's first task decides who qualifies and hands out the
     serials in one transaction, then queues the rendering in chunks of 100 that both processes
     take. The resident memory of the worker's processes is sampled every 0.5 s from /proc;
  5. checks: one certificate per trainee, serials 1..N without a gap, every PDF present, the
     SHA-256 of 200 files (a sample) equal to the stored one.
Exits non-zero when a check fails; missing the target is reported, not an error.
Results also in bench/out/certificate_issue.json; the worker's log next to it.
"""
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.api_me import machine_versions, manage, recreate_database, server_env, start_services  # noqa: E402
from bench.exam_grading import Broker, Database, Worker, redis_db_url  # noqa: E402

COUNT = int(os.environ.get("BENCH_CERTIFICATES", "10000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "2"))
REDIS_DB = int(os.environ.get("BENCH_REDIS_DB", "12"))
SEAL = os.environ.get("BENCH_SEAL", "0") == "1"
BENCH_DB = "cadre_bench_certificates"
OUT = ROOT / "bench" / "out"
MEDIA = OUT / "certificate_media"
TARGET_PER_S = 200.0

SETUP = r"""
import io, json, random
from django.db import transaction
from django.core.files.uploadedfile import SimpleUploadedFile
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from accounts.models import Organization, Role, User
from certificates import services
from courses.models import Enrollment, TrainingClass

rng = random.Random(1)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华飞玉萍红娥玲芬燕彬鹏辉建国志强巴特尔格日乐其木格阿拉腾花琴"
region = Organization.add_root(name="自治区", code="NM", kind="region")
league = region.add_child(name="甲盟", code="NM-A", kind="league_city")
organizer = User.objects.create(username="organizer", display_name="组织员", organization=league, password=make_password(None))
Role.objects.create(user=organizer, organization=league, role="organizer")
seal = None
if %(seal)s:
    from PIL import Image, ImageDraw
    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((10, 10, 390, 390), outline=(200, 0, 0, 255), width=14)
    buffer = io.BytesIO(); image.save(buffer, "PNG")
    seal = SimpleUploadedFile("seal.png", buffer.getvalue())
template = services.template_create(actor=organizer, organization=league, name="结业证书", title="结业证书",
    body="{name}同志于{starts_on}至{ends_on}参加{class}，学习{hours}课时，经考核合格，准予结业。特发此证。",
    issuer_line="中共甲盟委员会组织部", seal=seal)
today = timezone.localdate()
training_class = TrainingClass.objects.create(organization=league, kind="main", title="第一期中青年干部培训班", year=today.year,
    starts_on=today, ends_on=today, status="closed", closed_at=timezone.now(), closed_by=organizer, created_by=organizer)
password = make_password(None)
users = User.objects.bulk_create([
    User(username=f"t{n}", display_name=rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2)))),
         organization=league, password=password) for n in range(%(count)d)], batch_size=2000)
Enrollment.objects.bulk_create([Enrollment(training_class=training_class, user=u, status="enrolled", source="added",
    completed=True, attended_centi_hours=4000) for u in users], batch_size=2000)
services.criteria_set(actor=organizer, training_class=training_class, template=template)
print("SETUP=" + json.dumps({"class": training_class.pk, "organizer": organizer.pk}))
"""

REQUEST = r"""
from django.db import transaction
from accounts.models import User
from certificates import services
from courses.models import TrainingClass
with transaction.atomic():
    run = services.issue_request(actor=User.objects.get(pk=%(organizer)d), training_class=TrainingClass.objects.get(pk=%(klass)d))
print("RUN=%%d" %% run.pk)
"""


def log(message: str) -> None:
    print(f"[certificate_issue] {message}", file=sys.stderr, flush=True)


def group_rss_kib(pgid: int) -> tuple[int, int, int]:
    """(sum, largest, count) of the resident memory of the processes in a process group, in KiB."""
    sizes = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            if int(stat.rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            rss = re.search(r"^VmRSS:\s+(\d+) kB", Path(f"/proc/{entry}/status").read_text(), re.M)
        except (OSError, IndexError, ValueError):
            continue
        if rss:
            sizes.append(int(rss.group(1)))
    return sum(sizes), max(sizes, default=0), len(sizes)


def main() -> None:
    urls, started = start_services()
    worker = None
    try:
        database_url = recreate_database(urls["DATABASE_URL"], BENCH_DB)
        redis_url = redis_db_url(urls["REDIS_URL"], REDIS_DB)
        shutil.rmtree(MEDIA, ignore_errors=True)
        MEDIA.mkdir(parents=True)
        env = {**server_env(database_url, redis_url), "DJANGO_MEDIA_ROOT": str(MEDIA)}
        broker = Broker(redis_url)
        broker.clean()
        log(f"migrating {BENCH_DB}")
        manage(env, "migrate", "--noinput")
        log(f"setting up a closed class of {COUNT} trainees{' (template with a seal)' if SEAL else ''}")
        setup = json.loads(re.search(r"^SETUP=(.*)$", manage(env, "shell", "-c", SETUP % {"count": COUNT, "seal": SEAL}), re.M).group(1))
        db = Database(database_url)
        machine = machine_versions(database_url)
        worker = Worker(env, "bench-certificates", CONCURRENCY, OUT / "certificate_issue.worker.log")
        load_before = os.getloadavg()[0]
        called = time.monotonic()
        run_id = int(re.search(r"^RUN=(\d+)$", manage(env, "shell", "-c", REQUEST % {"organizer": setup["organizer"], "klass": setup["class"]}), re.M).group(1))
        request_s = time.monotonic() - called
        peak_sum = peak_one = 0
        progress, first_rendered = [], None
        while True:
            total, largest, _n = group_rss_kib(worker.process.pid)
            peak_sum, peak_one = max(peak_sum, total), max(peak_one, largest)
            status, done, total_run = db.one("SELECT status, done, total FROM certificates_issuerun WHERE id = %s", [run_id])
            rendered = db.one("SELECT count(*) FROM certificates_certificate WHERE pdf <> ''")[0]
            if first_rendered is None and rendered:
                first_rendered = time.monotonic() - called
            progress.append((round(time.monotonic() - called, 1), rendered))
            if status in ("done", "failed") or not worker.alive() or time.monotonic() - called > 1800:
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - called
        serials = [row[0] for row in db.conn.execute("SELECT serial FROM certificates_certificate ORDER BY serial")]
        files = [row for row in db.conn.execute("SELECT pdf, sha256 FROM certificates_certificate WHERE pdf <> ''")]
    finally:
        if worker is not None:
            worker.stop()
        if started:
            subprocess.run([str(ROOT / "scripts" / "services.sh"), "stop"], capture_output=True)

    year = time.localtime().tm_year
    expected = [f"NM-A-{year}-{n:06d}" for n in range(1, COUNT + 1)]
    sizes = sorted((MEDIA / name).stat().st_size for name, _sha in files)
    sample = random.Random(1).sample(files, min(200, len(files)))
    hash_mismatches = sum(hashlib.sha256((MEDIA / name).read_bytes()).hexdigest() != sha for name, sha in sample)
    rate = COUNT / elapsed
    checks = {"status": status, "certificates": len(serials), "serials_as_expected": serials == expected,
              "pdfs": len(files), "sha256_sample": len(sample), "sha256_mismatches": hash_mismatches}
    right = status == "done" and serials == expected and len(files) == COUNT and hash_mismatches == 0
    result = {
        "date": time.strftime("%Y-%m-%d"), "versions": machine, "certificates": COUNT, "worker": f"prefork --concurrency={CONCURRENCY}",
        "seal": SEAL, "load_average_1min_before": round(load_before, 2), "seconds": elapsed, "request_call_seconds": request_s,
        "first_pdf_seconds": first_rendered, "per_s": rate, "minutes_for_60000": 60000 / rate / 60,
        "peak_rss_mib_all_processes": peak_sum / 1024, "peak_rss_mib_largest_process": peak_one / 1024,
        "pdf_bytes": {"mean": sum(sizes) / max(len(sizes), 1), "min": sizes[0] if sizes else 0, "max": sizes[-1] if sizes else 0},
        "progress": progress[:: max(1, len(progress) // 40)], "checks": checks,
    }
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "certificate_issue.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    v = machine
    print(f"certificate_issue: {v.get('cores')} cores; {json.dumps({k: v[k] for k in v if k != 'cores'}, ensure_ascii=False)}; "
          f"worker prefork --concurrency={CONCURRENCY}; 1-min load average before: {result['load_average_1min_before']}")
    print(f"  {COUNT} certificates{' with a seal' if SEAL else ''}: {elapsed:.1f} s from the request to the last PDF "
          f"({rate:.1f}/s; first PDF after {first_rendered or 0:.1f} s) -> 60,000 would take {result['minutes_for_60000']:.1f} min: "
          f"{'meets' if rate >= TARGET_PER_S else 'MISSES'} the 200/s target")
    print(f"  peak resident memory: {result['peak_rss_mib_all_processes']:.0f} MiB for the worker's processes together, "
          f"{result['peak_rss_mib_largest_process']:.0f} MiB the largest one")
    print(f"  PDF size: mean {result['pdf_bytes']['mean'] / 1024:.1f} KiB (min {result['pdf_bytes']['min'] / 1024:.1f}, "
          f"max {result['pdf_bytes']['max'] / 1024:.1f})")
    print(f"  checks: {checks}: {'right' if right else 'WRONG'}")
    shutil.rmtree(MEDIA, ignore_errors=True)
    if not right:
        sys.exit("certificate_issue: FAILED")


if __name__ == "__main__":
    main()
