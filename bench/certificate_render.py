"""Certificate rendering speed in one process: how many A4 certificates a second, without a QR code
and with each of the two ways to draw one, and what the QR code costs.

Question: can one process render certificates fast enough? Target: 60,000 certificates in under
5 minutes on this 2-core machine, 200/s overall, so about 100/s per core (one process per core).
And which QR code to draw: ReportLab's own QrCodeWidget, or segno's matrix drawn as one path
(DESIGN.md measured the path about twice as fast; this re-measures it on the real page).

Method, in one process, no database (certificates/rendering takes plain dataclasses):
  1. registers the font (timed: the once-per-process cost);
  2. builds BENCH_CERTIFICATES (default 300) distinct documents: a distinct three-character Chinese
     name in a realistic body (class, dates, hours, score), a distinct serial and a distinct
     verification URL of the real shape (base URL + /verify/ + 22 characters of 128 random bits);
  3. renders all of them with each variant through certificates.rendering.certificate.render_with,
     the function render_certificate calls, with the QR drawer as the only difference:
     "no QR" (None), "segno path" (qr.draw_qr_path), "ReportLab widget" (qr.draw_qr_widget), and
     "segno path + seal" (a 400x400 transparent PNG seal, as most templates will have);
     BENCH_ROUNDS rounds (default 3), the variants interleaved in each round so that a load that
     drifts hits all alike; after one warm-up pass of 20 certificates each;
  4. reports for each variant the median over rounds of certificates/s by wall clock and by the
     process's CPU time (the per-core rate), the mean PDF size, and the ratio with-QR / without-QR;
     also the time of drawing the QR code alone (each drawer on a bare canvas, the page's cost
     subtracted; and, as an option not in use, segno with a fixed mask pattern instead of picking
     the best of eight), and checks one certificate of each QR variant: zbarimg (zbar-tools) must
     decode its page image to exactly the URL (skipped when poppler/zbar are missing).
It also says whether ReportLab's C accelerators (the optional rl-accel package) are installed:
without them ReportLab formats numbers, checksums font subsets and ASCII85-encodes streams in
pure Python. To compare, install rl-accel into a folder and put it on PYTHONPATH.

Environment: BENCH_CERTIFICATES (default 300), BENCH_ROUNDS (default 3).
Results are also written to bench/out/certificate_render.json.
"""
import datetime
import io
import json
import os
import platform
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import mean, median

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

import django  # noqa: E402

django.setup()

import reportlab  # noqa: E402
import reportlab.lib.rl_accel  # noqa: E402
import segno  # noqa: E402
from django.conf import settings  # noqa: E402
from django.utils import translation  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402

from certificates.rendering import CertificateDocument  # noqa: E402
from certificates.rendering import fonts, qr  # noqa: E402
from certificates.rendering.certificate import render_with  # noqa: E402

COUNT = int(os.environ.get("BENCH_CERTIFICATES", "300"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "3"))
TARGET_PER_CORE = 100  # 60,000 in 300 s on 2 cores = 200/s, 100/s a core

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "明华建国志强文军平海春秋娜敏静丽英芳玉兰巴特尔其木格乌云萨仁图雅额尔敦宝音德力格苏日娜斯琴高娃"
BODY = (
    "{name}同志于2026年3月2日至2026年3月13日参加{league}“铸牢中华民族共同体意识”专题培训班学习，"
    "完成规定的全部课程，共计{hours}课时，结业考试成绩{score}分，成绩合格，准予结业。\n\n特发此证。"
)
LEAGUES = ("锡林郭勒盟委党校", "呼伦贝尔市委党校", "鄂尔多斯市委党校", "通辽市委党校", "赤峰市委党校")
VARIANTS = ("no QR", "segno path", "ReportLab widget", "segno path + seal")


def log(message: str) -> None:
    print(f"[certificate_render] {message}", file=sys.stderr, flush=True)


def make_seal() -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", (400, 400), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, 392, 392), outline=(200, 16, 16, 230), width=16)
    draw.regular_polygon((200, 200, 70), 5, fill=(200, 16, 16, 230))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def documents(count: int, seal: bytes | None = None) -> list[CertificateDocument]:
    base = settings.CERTIFICATES_PUBLIC_BASE_URL.rstrip("/")
    docs = []
    for i in range(count):
        name = SURNAMES[i % len(SURNAMES)] + GIVEN[(i * 7) % len(GIVEN)] + GIVEN[(i * 13 + 5) % len(GIVEN)]
        docs.append(CertificateDocument(
            title="结业证书",
            body=BODY.format(name=name, league=LEAGUES[i % len(LEAGUES)], hours=32 + i % 9, score=60 + i % 40),
            issuer_line="中共锡林郭勒盟委组织部",
            issued_on=datetime.date(2026, 3, 14),
            serial=f"NM01-2026-{i + 1:06d}",
            verify_url=f"{base}/verify/{secrets.token_urlsafe(16)}",
            seal_png=seal,
            pdf_title=f"结业证书 {name}",
            pdf_author="中共锡林郭勒盟委组织部",
        ))
    return docs


def run(variant: str, docs: list[CertificateDocument], seal_docs: list[CertificateDocument]) -> dict:
    drawer = {"no QR": None, "segno path": qr.draw_qr_path, "ReportLab widget": qr.draw_qr_widget,
              "segno path + seal": qr.draw_qr_path}[variant]
    batch = seal_docs if variant.endswith("seal") else docs
    sizes = []
    wall, cpu = time.perf_counter(), time.process_time()
    for doc in batch:
        sizes.append(len(render_with(doc, drawer)))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {"per_second_wall": len(batch) / wall, "per_second_cpu": len(batch) / cpu, "mean_bytes": mean(sizes)}


def qr_alone(docs: list[CertificateDocument]) -> dict:
    """Milliseconds to encode and draw one QR code on a canvas, beyond the bare canvas's cost."""
    def per_doc(drawer) -> float:
        start = time.process_time()
        for doc in docs:
            canvas = Canvas(io.BytesIO(), initialFontName=fonts.font_name())
            if drawer:
                drawer(canvas, doc.verify_url, 72, 72, 88)
            canvas.showPage()
            canvas.save()
        return (time.process_time() - start) / len(docs) * 1000

    bare = median(per_doc(None) for _ in range(3))
    def fixed_mask(canvas, data, x, y, size):
        qr.draw_qr_path(canvas, data, x, y, size, mask=0)

    drawers = (("segno path", qr.draw_qr_path), ("ReportLab widget", qr.draw_qr_widget),
               ("segno path, fixed mask", fixed_mask))
    return {name: round(median(per_doc(drawer) for _ in range(3)) - bare, 2) for name, drawer in drawers}


def decodes(doc: CertificateDocument, drawer) -> bool | None:
    if not (shutil.which("pdftoppm") and shutil.which("zbarimg")):
        return None
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "c.pdf"
        pdf.write_bytes(render_with(doc, drawer))
        subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(pdf), str(Path(folder) / "page")],
                       check=True)
        found = subprocess.run(["zbarimg", "--raw", "-q", str(Path(folder) / "page.png")],
                               capture_output=True, text=True).stdout.strip()
    return found == doc.verify_url


def main() -> None:
    translation.activate(settings.LANGUAGE_CODE)
    fonts.reset_font_cache()
    start = time.perf_counter()
    fonts.get_font()
    font_ms = (time.perf_counter() - start) * 1000
    log(f"font registered in {font_ms:.0f} ms: {fonts.font_path()}")

    seal = make_seal()
    docs = documents(COUNT)
    seal_docs = documents(COUNT, seal)
    warm = documents(20, seal)
    for variant in VARIANTS:
        run(variant, warm, warm)

    rounds = []
    for number in range(1, ROUNDS + 1):
        log(f"round {number}/{ROUNDS}: {COUNT} certificates with each of {', '.join(VARIANTS)}")
        rounds.append({variant: run(variant, docs, seal_docs) for variant in VARIANTS})
    figures = {variant: {key: median(r[variant][key] for r in rounds) for key in rounds[0][variant]}
               for variant in VARIANTS}
    without = figures["no QR"]["per_second_cpu"]
    for variant in VARIANTS:
        figures[variant]["ratio_to_no_qr"] = figures[variant]["per_second_cpu"] / without
        figures[variant]["meets_per_core_target"] = figures[variant]["per_second_cpu"] >= TARGET_PER_CORE
    qr_ms = qr_alone(docs[:100])
    checks = {"segno path": decodes(docs[0], qr.draw_qr_path), "ReportLab widget": decodes(docs[0], qr.draw_qr_widget)}
    if False in checks.values():
        sys.exit(f"a QR code did not decode to its URL: {checks}")

    result = {
        "date": time.strftime("%Y-%m-%d"),
        "machine": {"machine": platform.machine(), "cores": os.cpu_count(), "python": platform.python_version(),
                    "django": django.get_version(), "reportlab": reportlab.Version, "segno": segno.__version__,
                    # ReportLab's C accelerators (the optional rl-accel package); pure Python without
                    "rl_accel": bool(reportlab.lib.rl_accel._c_funcs),
                    "font": fonts.font_path()},
        "method": {"certificates": COUNT, "rounds": ROUNDS, "statistic": "median over rounds",
                   "load_average_1min": round(os.getloadavg()[0], 2)},
        "font_registration_ms": round(font_ms, 1),
        "rounds": rounds,
        "variants": figures,
        "qr_alone_ms": qr_ms,
        "qr_in_use": qr.draw_qr.__name__,
        "qr_decodes": checks,
        "target_per_core": TARGET_PER_CORE,
    }
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "certificate_render.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))

    m = result["machine"]
    print(f"certificate_render: {m['cores']} cores {m['machine']}, Python {m['python']}, ReportLab {m['reportlab']} "
          f"(rl_accel {'on' if m['rl_accel'] else 'off'}), segno {m['segno']}; {COUNT} distinct certificates, "
          f"median of {ROUNDS} rounds, one process; font registered once in {font_ms:.0f} ms")
    print(f"  {'variant':<20} {'cert/s CPU':>10} {'cert/s wall':>11} {'vs no QR':>9} {'mean PDF':>9}  per-core target")
    for variant in VARIANTS:
        f = figures[variant]
        verdict = "meets" if f["meets_per_core_target"] else "BELOW"
        print(f"  {variant:<20} {f['per_second_cpu']:10.1f} {f['per_second_wall']:11.1f} {f['ratio_to_no_qr']:9.1%} "
              f"{f['mean_bytes'] / 1024:7.1f} KB  {verdict} {TARGET_PER_CORE}/s")
    print(f"  QR code alone (encode + draw, beyond a bare page): segno path {qr_ms['segno path']:.2f} ms, "
          f"ReportLab widget {qr_ms['ReportLab widget']:.2f} ms; in use: {result['qr_in_use']}; "
          f"(option, not in use: segno with a fixed mask {qr_ms['segno path, fixed mask']:.2f} ms)")
    two_cores = 2 * figures["segno path"]["per_second_cpu"]
    print(f"  60,000 certificates on 2 cores at the segno-path rate: {60000 / two_cores:.0f} s (target 300 s)")
    print(f"  zbarimg decodes the URL: {checks}")


if __name__ == "__main__":
    main()
