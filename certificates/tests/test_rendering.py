"""The certificate and transcript PDFs, read back with independent tools: poppler's pdffonts,
pdftotext, pdfinfo, pdfimages and pdftoppm, and zbar's zbarimg for the QR code."""
import datetime
import io
import os
import re
import shutil
import subprocess

import pytest
import segno
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext
from PIL import Image, ImageDraw
from reportlab.pdfgen.canvas import Canvas

from certificates.rendering import (
    CertificateDocument,
    MissingGlyphsError,
    TranscriptDocument,
    TranscriptRow,
    check_font,
    check_seal_png,
    font_problem,
    format_centi_hours,
    missing_glyphs,
    render_certificate,
    render_transcript,
    reset_font_cache,
)
from certificates.rendering import fonts, qr

TOOLS = ("pdffonts", "pdftotext", "pdfinfo", "pdfimages", "pdftoppm", "zbarimg")
pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in TOOLS),
    reason="poppler-utils and zbar-tools are needed to read the PDFs back: run scripts/install_system_deps.sh",
)

@pytest.fixture(autouse=True)
def _english():
    """The messages below are read in English, whatever language an earlier test's request left active."""
    from django.utils import translation

    with translation.override("en"):
        yield


URL = "http://127.0.0.1:8000/verify/q3Zk9T0bWm-xY7vR2sLpA8dE4fG6hJ1nC5oU_iK0tQw"
NAME = "欧阳明"
BODY = (
    f"{NAME}同志于2026年3月2日至2026年3月13日参加锡林郭勒盟委党校“铸牢中华民族共同体意识”专题培训班学习，"
    "完成规定的全部课程，共计32课时，结业考试成绩92分，成绩合格，准予结业。\n\n特发此证。"
)


def certificate(**changes) -> CertificateDocument:
    fields = dict(
        title="结业证书", body=BODY, issuer_line="中共锡林郭勒盟委组织部", issued_on=datetime.date(2026, 3, 14),
        serial="NM01-2026-000001", verify_url=URL, pdf_title=f"结业证书 {NAME}", pdf_author="中共锡林郭勒盟委组织部",
    )
    fields.update(changes)
    return CertificateDocument(**fields)


def run(*command: str) -> str:
    return subprocess.run(command, check=True, capture_output=True, text=True, timeout=60).stdout


@pytest.fixture
def read_pdf(tmp_path):
    """Write PDF bytes to a file and return an object that reads it back with the tools."""

    class Reader:
        def __init__(self, data: bytes):
            assert data.startswith(b"%PDF-"), data[:20]
            self.path = tmp_path / f"doc{len(list(tmp_path.glob('*.pdf')))}.pdf"
            self.path.write_bytes(data)

        def text(self, first: int | None = None, last: int | None = None) -> str:
            pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
            return run("pdftotext", *pages, str(self.path), "-")

        def layout_text(self, first: int | None = None, last: int | None = None) -> str:
            pages = [*(["-f", str(first)] if first else []), *(["-l", str(last)] if last else [])]
            return run("pdftotext", "-layout", *pages, str(self.path), "-")

        def flat_text(self, **pages) -> str:
            return re.sub(r"\s+", "", self.text(**pages))

        def info(self) -> dict[str, str]:
            lines = run("pdfinfo", str(self.path)).splitlines()
            return {key.strip(): value.strip() for key, _, value in (line.partition(":") for line in lines)}

        def fonts(self) -> list[dict[str, str]]:
            rows = run("pdffonts", str(self.path)).splitlines()[2:]  # after the header and the rule
            return [{"name": row.split()[0], "emb": row.split()[-5], "sub": row.split()[-4]} for row in rows]

        def images(self) -> list[str]:
            return [row.split()[2] for row in run("pdfimages", "-list", str(self.path)).splitlines()[2:]]

        def qr(self, page: int = 1) -> str:
            prefix = tmp_path / f"{self.path.stem}-page{page}"
            run("pdftoppm", "-r", "150", "-png", "-f", str(page), "-l", str(page), "-singlefile",
                str(self.path), str(prefix))
            result = subprocess.run(["zbarimg", "--raw", "-q", f"{prefix}.png"], capture_output=True, text=True)
            return result.stdout.strip() if result.returncode == 0 else ""

    return Reader


def seal_png(size: int = 300) -> bytes:
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))  # fully transparent but for the stamp
    draw = ImageDraw.Draw(image)
    draw.ellipse((6, 6, size - 6, size - 6), outline=(200, 16, 16, 230), width=size // 25)
    draw.regular_polygon((size / 2, size / 2, size / 6), 5, fill=(200, 16, 16, 230))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


# --- the font -------------------------------------------------------------------------------


def assert_only_our_font_embedded(pdf) -> None:
    found = pdf.fonts()
    assert found, "pdffonts lists no font at all"
    assert all(font["emb"] == "yes" and font["sub"] == "yes" for font in found), found
    assert all("WenQuanYiMicroHei" in font["name"] for font in found), found  # no Helvetica, no STSong


def test_certificate_embeds_a_subset_of_the_chinese_font_and_nothing_else(read_pdf):
    assert_only_our_font_embedded(read_pdf(render_certificate(certificate())))


def test_font_coverage_of_rare_name_characters():
    # WenQuanYi Micro Hei has neither 䶮 (U+4DAE, CJK extension A) nor 𠮷 (U+20BB7, extension B).
    assert missing_glyphs("刘䶮") == ["䶮"]
    assert missing_glyphs("𠮷田") == ["𠮷"]
    # distinct, in order of appearance, whitespace ignored
    assert missing_glyphs("𠮷 䶮\n𠮷䶮\u3000王") == ["𠮷", "䶮"]
    assert missing_glyphs(f"{NAME} 阿拉腾·巴特尔 乌云其木格 结业证书（2026）“”，。") == []


@pytest.mark.parametrize("field", ["title", "body", "issuer_line"])
def test_a_character_the_font_cannot_draw_is_refused_by_name(field):
    doc = certificate(**{field: getattr(certificate(), field) + "刘䶮𠮷"})
    with pytest.raises(ValueError) as refused:
        render_certificate(doc)
    assert isinstance(refused.value, MissingGlyphsError)
    assert refused.value.characters == ["䶮", "𠮷"]
    assert "䶮" in str(refused.value) and "U+4DAE" in str(refused.value) and "U+20BB7" in str(refused.value)


def test_the_font_is_registered_once_per_path(tmp_path, settings):
    first = fonts.get_font()
    render_certificate(certificate())
    assert fonts.get_font() is first

    copy = tmp_path / "copy.ttc"
    shutil.copyfile(first.face.filename, copy)
    settings.CERTIFICATES_FONT_PATH = str(copy)
    other = fonts.get_font()
    assert other is not first and other.fontName != first.fontName
    assert fonts.get_font() is other

    reset_font_cache()
    assert fonts.get_font() is not other  # registered anew after a reset


def test_a_missing_font_is_a_clear_error_and_a_system_check(tmp_path, settings):
    settings.CERTIFICATES_FONT_PATH = str(tmp_path / "absent.ttc")
    problem = font_problem()
    assert problem and str(tmp_path / "absent.ttc") in problem and "fonts-wqy-microhei" in problem
    with pytest.raises(ImproperlyConfigured, match="fonts-wqy-microhei"):
        render_certificate(certificate())
    errors = [message for message in checks.run_checks() if message.id == "certificates.E001"]
    assert len(errors) == 1 and errors[0].level == checks.ERROR and errors[0].msg == problem
    assert errors == check_font()


def test_a_file_that_is_not_a_usable_font_is_reported(tmp_path, settings):
    broken = tmp_path / "broken.ttf"
    broken.write_bytes(b"this is not a font")
    settings.CERTIFICATES_FONT_PATH = str(broken)
    assert "cannot be loaded" in font_problem()
    latin = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
    if os.path.exists(latin):
        settings.CERTIFICATES_FONT_PATH = latin
        assert "no Chinese characters" in font_problem()


def test_the_configured_font_passes_the_check():
    assert font_problem() is None
    assert check_font() == []
    assert not [message for message in checks.run_checks() if message.id == "certificates.E001"]


# --- the certificate ------------------------------------------------------------------------


def test_certificate_text_can_be_copied_back(read_pdf):
    text = read_pdf(render_certificate(certificate())).flat_text()
    for expected in (NAME, "结业证书", "NM01-2026-000001", "中共锡林郭勒盟委组织部", URL, gettext("Scan to verify")):
        assert re.sub(r"\s+", "", expected) in text, expected
    # the whole body, wrapped over lines, comes back in order with nothing lost
    assert re.sub(r"\s+", "", BODY) in text


@pytest.mark.parametrize("landscape", [False, True])
def test_the_qr_code_decodes_to_the_verification_url(read_pdf, landscape):
    pdf = read_pdf(render_certificate(certificate(landscape=landscape)))
    assert pdf.qr() == URL


def test_pdf_metadata_and_page_orientation(read_pdf):
    portrait = read_pdf(render_certificate(certificate())).info()
    assert portrait["Title"] == f"结业证书 {NAME}"
    assert portrait["Author"] == "中共锡林郭勒盟委组织部"
    assert portrait["Pages"] == "1"
    landscape = read_pdf(render_certificate(certificate(landscape=True))).info()

    def size(info):
        width, height = re.match(r"([\d.]+) x ([\d.]+) pts", info["Page size"]).groups()
        return float(width), float(height)

    assert size(portrait)[0] < size(portrait)[1]
    assert size(landscape)[0] > size(landscape)[1]
    assert sorted(size(portrait)) == pytest.approx(sorted(size(landscape)), abs=0.5)  # both A4


def test_without_qr_there_is_no_code_but_the_serial_is_printed(read_pdf):
    pdf = read_pdf(render_certificate(certificate(), qr=False))
    assert pdf.qr() == ""
    text = pdf.flat_text()
    assert "NM01-2026-000001" in text and gettext("Scan to verify").replace(" ", "") not in text


def test_a_transparent_seal_is_drawn_with_its_alpha_as_a_soft_mask(read_pdf):
    pdf = read_pdf(render_certificate(certificate(seal_png=seal_png())))
    assert sorted(pdf.images()) == ["image", "smask"]
    assert "中共锡林郭勒盟委组织部" in pdf.flat_text()  # still there, under the seal
    assert pdf.qr() == URL
    without = read_pdf(render_certificate(certificate()))
    assert without.images() == []


def test_body_markup_characters_are_printed_as_text(read_pdf):
    body = "学员<b>张三</b> & 李四 完成学习。"
    assert "学员<b>张三</b>&李四完成学习。" in read_pdf(render_certificate(certificate(body=body))).flat_text()


def test_a_long_body_wraps_and_shrinks_but_one_that_cannot_fit_is_refused(read_pdf):
    long_body = "\n\n".join([BODY.split("\n\n")[0]] * 4)
    text = read_pdf(render_certificate(certificate(body=long_body))).flat_text()
    assert text.count(NAME) == 4
    with pytest.raises(ValueError, match="too long"):
        render_certificate(certificate(body="\n\n".join([BODY] * 40)))


# --- the seal ---------------------------------------------------------------------------------


def test_a_valid_seal_is_accepted():
    check_seal_png(seal_png())


@pytest.mark.parametrize("data", [
    b"",
    b"GIF89a not a png",
    seal_png()[:200],  # a PNG cut short
    b"\x89PNG\r\n\x1a\n" + b"\x00" * 64,
])
def test_a_broken_seal_is_refused(data):
    with pytest.raises(ValueError):
        check_seal_png(data)
    with pytest.raises(ValueError):
        render_certificate(certificate(seal_png=data or b"\x00"))


def test_a_seal_too_large_is_refused():
    buffer = io.BytesIO()
    Image.new("RGBA", (2001, 20), (255, 0, 0, 128)).save(buffer, "PNG")
    with pytest.raises(ValueError, match="2001"):
        check_seal_png(buffer.getvalue())
    noisy = io.BytesIO()
    Image.frombytes("RGB", (1000, 1000), bytes(range(256)) * 11718 + bytes(192)).save(noisy, "PNG", compress_level=0)
    assert len(noisy.getvalue()) > 2 * 1024 * 1024
    with pytest.raises(ValueError, match="too large"):
        check_seal_png(noisy.getvalue())


# --- the QR code, both ways -------------------------------------------------------------------


@pytest.mark.parametrize("drawer", [qr.draw_qr_path, qr.draw_qr_widget])
def test_both_qr_drawers_produce_a_readable_code_with_a_quiet_zone(read_pdf, tmp_path, drawer):
    x, y, size = 100, 400, 90
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(300, 600), initialFontName=fonts.font_name())
    canvas.setFillGray(0.2)  # a dark page, so the code must bring its own white margin
    canvas.rect(0, 0, 300, 600, stroke=0, fill=1)
    drawer(canvas, URL, x, y, size)
    canvas.showPage()
    canvas.save()
    pdf = read_pdf(buffer.getvalue())
    assert pdf.qr() == URL

    # The square's outer band, 4 modules wide, is all white; the symbol inside it is not.
    run("pdftoppm", "-r", "144", "-gray", "-singlefile", str(pdf.path), str(tmp_path / "qr"))
    page = Image.open(tmp_path / "qr.pgm")
    module = size / (segno.make(URL, error="m", micro=False).symbol_size(border=4)[0])  # points
    left, top = x * 2, (600 - y - size) * 2  # 144 dpi: 2 pixels a point; image rows go down
    outer, inner = 2, int(module * 3 * 2)  # pixels: off the anti-aliased edges; 3 of the 4 modules
    square = page.crop((left + outer, top + outer, left + size * 2 - outer, top + size * 2 - outer))
    width = square.size[0]
    band = [square.getpixel((i, j)) for i in range(width) for j in range(width)
            if min(i, j, width - 1 - i, width - 1 - j) < inner]
    assert min(band) > 240, "dark pixels in the quiet zone"
    symbol = square.crop((inner, inner, width - inner, width - inner))
    assert symbol.getextrema()[0] < 20


# --- the hour transcript ----------------------------------------------------------------------


def transcript(rows: int = 3, **changes) -> TranscriptDocument:
    fields = dict(
        name=NAME, year=2026, issuer="中共锡林郭勒盟委组织部", issued_on=datetime.date(2026, 12, 31),
        serial="NM01-2026-T00001", verify_url=URL, pdf_title=f"学时证明 {NAME} 2026", pdf_author="中共锡林郭勒盟委组织部",
        rows=tuple(
            TranscriptRow(
                title=f"第{i + 1}期铸牢中华民族共同体意识专题培训班", host="锡林郭勒盟委党校",
                starts_on=datetime.date(2026, 1, 5) + datetime.timedelta(days=5 * i),
                ends_on=datetime.date(2026, 1, 7) + datetime.timedelta(days=5 * i),
                attended_centi_hours=1250 + i, topic_centi_hours=125,
            )
            for i in range(rows)
        ),
    )
    fields.update(changes)
    return TranscriptDocument(**fields)


def test_transcript_lists_the_classes_with_exact_totals(read_pdf):
    pdf = read_pdf(render_transcript(transcript(rows=3)))
    assert_only_our_font_embedded(pdf)
    text = pdf.flat_text()
    for expected in (NAME, "第1期", "第2期", "第3期", "锡林郭勒盟委党校", "12.5", "12.51", "12.52", "1.25",
                     "NM01-2026-T00001", "中共锡林郭勒盟委组织部"):
        assert expected in text, expected
    # totals: 1250 + 1251 + 1252 = 3753 hundredths -> 37.53; 3 x 125 -> 3.75
    assert re.search(re.escape(gettext("Total")) + r"\s+37\.53\s+3\.75\s", pdf.layout_text())
    info = pdf.info()
    assert info["Title"] == f"学时证明 {NAME} 2026" and info["Author"] == "中共锡林郭勒盟委组织部"
    assert pdf.qr() == URL


def test_a_long_transcript_repeats_the_header_on_every_page(read_pdf):
    pdf = read_pdf(render_transcript(transcript(rows=60)))
    pages = int(pdf.info()["Pages"])
    assert pages >= 2
    header = re.sub(r"\s+", "", gettext("Attended hours"))
    for page in range(1, pages + 1):
        assert header in pdf.flat_text(first=page, last=page), page
    text = pdf.flat_text()
    assert all(f"第{i}期铸牢中华民族共同体意识专题培训班" in text for i in range(1, 61))
    # 60 rows: sum(1250 + i for i < 60) = 76770 -> 767.7; 60 x 125 = 7500 -> 75
    assert re.search(re.escape(gettext("Total")) + r"\s+767\.7\s+75\s", pdf.layout_text(first=pages, last=pages))
    assert pdf.qr(page=pages) == URL


def test_a_transcript_with_a_name_the_font_cannot_draw_is_refused():
    with pytest.raises(MissingGlyphsError, match="U\\+20BB7"):
        render_transcript(transcript(name="𠮷田"))
    with pytest.raises(MissingGlyphsError, match="U\\+4DAE"):
        render_transcript(transcript(rows=1, issuer="刘䶮"))


def test_an_empty_transcript_still_renders_with_zero_totals(read_pdf):
    text = read_pdf(render_transcript(transcript(rows=0))).layout_text()
    assert re.search(re.escape(gettext("Total")) + r"\s+0\s+0\s", text)


# --- hours -----------------------------------------------------------------------------------


@pytest.mark.parametrize("value, shown", [
    (1250, "12.5"), (1200, "12"), (1225, "12.25"), (0, "0"), (5, "0.05"), (50, "0.5"), (100, "1"),
    (1205, "12.05"), (-150, "-1.5"), (123456789, "1234567.89"),
])
def test_format_centi_hours(value, shown):
    assert format_centi_hours(value) == shown


@pytest.mark.parametrize("value", [12.5, "1250", True])
def test_format_centi_hours_refuses_anything_but_an_int(value):
    with pytest.raises(TypeError):
        format_centi_hours(value)
