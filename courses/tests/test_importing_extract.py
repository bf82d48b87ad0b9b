"""Text out of uploaded files: the same tree from .txt, .docx and .pdf, and every refusal."""
import io
import re
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import docx
import pytest
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls
from openpyxl import Workbook
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate

from backend.errors import ApplicationError
from courses.importing import MAX_BYTES, extract_text, parse_document

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"
SEED_FILES = sorted(SEEDS.glob("*.txt"))
FONT_FILE = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
FONT = "WenQuanYiMicroHei"


def register_font() -> str:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, FONT_FILE, subfontIndex=0))
    return FONT


def docx_bytes(lines) -> bytes:
    document = docx.Document()
    for line in lines:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pdf_bytes(lines, **layout) -> bytes:
    """One platypus Paragraph per non-empty line, wrapped by the page width like a real PDF."""
    style = ParagraphStyle("body", **{"fontName": register_font(), "fontSize": 11, "leading": 16,
                                      "spaceAfter": 8, "wordWrap": "CJK", **layout})
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build([Paragraph(escape(line), style) for line in lines if line.strip()])
    return buffer.getvalue()


def image_only_pdf() -> bytes:
    """A "scan": a picture and a shape, no text."""
    buffer = io.BytesIO()
    page = canvas.Canvas(buffer, pagesize=A4)
    picture = Image.new("RGB", (200, 100), "white")
    picture.paste((30, 30, 30), (20, 20, 180, 40))
    page.drawImage(ImageReader(picture), 72, 600, width=400, height=200)
    page.rect(72, 400, 300, 100, fill=1)
    page.showPage()
    page.save()
    return buffer.getvalue()


def tree(document):
    """Title and every section's number, title and level, in order, plus the bodies without spaces."""
    def walk(sections):
        for s in sections:
            yield s.level, s.number, s.title, re.sub(r"\s", "", s.body)
            yield from walk(s.children)
    return document.title, re.sub(r"\s", "", document.preamble), list(walk(document.sections))


def refused(file_name: str, content: bytes) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        extract_text(file_name, content)
    assert caught.value.message  # a sentence for people, not only a code
    return caught.value


# --- the same tree from every format ---------------------------------------------------------

@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.name[:3])
def test_docx_gives_the_same_tree_as_txt(seed):
    text = seed.read_text(encoding="utf-8")

    from_docx = extract_text("文件.docx", docx_bytes(text.split("\n")))

    assert from_docx == text.replace("\r\n", "\n")
    assert tree(parse_document(from_docx)) == tree(parse_document(text))


SPACED = {}  # 8 pt between paragraphs
TIGHT = {"fontSize": 12, "leading": 22, "spaceAfter": 0, "firstLineIndent": 24}  # no gap, first-line indent


@pytest.mark.parametrize("layout", [SPACED, TIGHT], ids=["spaced", "indented"])
@pytest.mark.parametrize("seed", SEED_FILES, ids=lambda p: p.name[:3])
def test_pdf_gives_the_same_tree_as_txt(seed, layout):
    text = seed.read_text(encoding="utf-8")

    from_pdf = extract_text("文件.PDF", pdf_bytes(text.split("\n"), **layout))

    assert tree(parse_document(from_pdf)) == tree(parse_document(text))


def test_docx_automatic_list_numbers_are_written_out():
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(0, parse_xml(
        f'<w:abstractNum {nsdecls("w")} w:abstractNumId="90">'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
        '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/></w:lvl>'
        '</w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {nsdecls("w")} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for level, text in [(0, "工作开展情况"), (1, "坚持学习。正文。"), (1, "狠抓落实。正文。"), (0, "存在问题")]:
        num_pr = document.add_paragraph(text)._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_numId().val = 90
        num_pr.get_or_add_ilvl().val = level
    buffer = io.BytesIO()
    document.save(buffer)

    text = extract_text("a.docx", buffer.getvalue())

    assert text == "一、工作开展情况\n（一）坚持学习。正文。\n（二）狠抓落实。正文。\n二、存在问题"


def test_docx_tables_are_read_row_by_row():
    document = docx.Document()
    document.add_paragraph("一、安排")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text, table.cell(0, 1).text = "时间", "内容"
    table.cell(1, 0).text, table.cell(1, 1).text = "上午", "专题学习"
    buffer = io.BytesIO()
    document.save(buffer)

    assert extract_text("a.docx", buffer.getvalue()) == "一、安排\n时间\n内容\n上午\n专题学习"


# --- text files and encodings ----------------------------------------------------------------

CHINESE = "一、工作开展情况\n（一）坚持高标准学习。增强“四个意识”，坚定“四个自信”，做到“两个维护”。\n"


def test_gbk_text_is_decoded_without_mojibake():
    assert extract_text("通知.txt", CHINESE.encode("gbk")) == CHINESE


def test_gb18030_text_is_decoded():
    assert extract_text("a.txt", (CHINESE + "㐀").encode("gb18030")) == CHINESE + "㐀"


def test_utf8_with_bom_and_windows_newlines():
    content = b"\xef\xbb\xbf" + CHINESE.replace("\n", "\r\n").encode("utf-8")

    assert extract_text("a.TXT", content) == CHINESE


def test_markdown_heading_marks_go_redactions_stay():
    text = "# 铸牢中华民族共同体意识\n\n## 一、工作开展情况\n**（一）坚持学习**\n***始终坚持，占比超**％。\n"

    assert extract_text("a.md", text.encode("utf-8")) == (
        "铸牢中华民族共同体意识\n\n一、工作开展情况\n（一）坚持学习\n***始终坚持，占比超**％。\n")


@pytest.mark.parametrize("content", [
    b"caf\xe9 au lait \xff\xfe",  # Latin-1 bytes: neither UTF-8 nor GB18030
    "繁體中文測試，鄉村振興。兩個確立、五個認同，這是一段較長的繁體中文文字。".encode("big5"),
    "日本語のテキストです。漢字とひらがな。".encode("shift_jis"),
    "一、工作".encode("utf-16"),  # NUL bytes
], ids=["latin1", "big5", "shift_jis", "utf16"])
def test_text_in_another_encoding_is_refused(content):
    assert refused("a.txt", content).code == "bad_encoding"


# --- refusals --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["a.txt", "a.docx", "a.pdf", "a.md"])
def test_empty_file_is_refused(name):
    assert refused(name, b"").code == "file_empty"


def test_file_over_the_limit_is_refused():
    assert MAX_BYTES == 20 * 1024 * 1024
    error = refused("a.txt", b"a" * (MAX_BYTES + 1))

    assert error.code == "file_too_large"
    assert "20 MB" in error.message


def test_file_at_the_limit_is_read():
    assert len(extract_text("a.txt", b"a" * MAX_BYTES)) == MAX_BYTES


@pytest.mark.parametrize("name", ["a.doc", "a.xlsx", "a.rtf", "README", "a.txt.exe", ""])
def test_other_file_types_are_refused(name):
    assert refused(name, b"something").code == "unsupported_type"


def test_binary_renamed_docx_is_refused():
    png = io.BytesIO()
    Image.new("RGB", (10, 10)).save(png, format="PNG")

    assert refused("a.docx", png.getvalue()).code == "not_docx"


def test_zip_that_is_not_a_word_document_is_refused():
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("readme.txt", "hello")
    workbook = io.BytesIO()
    Workbook().save(workbook)

    assert refused("a.docx", plain_zip.getvalue()).code == "not_docx"
    assert refused("a.docx", workbook.getvalue()).code == "not_docx"


def test_truncated_docx_is_refused():
    assert refused("a.docx", docx_bytes(["一、工作"])[:2000]).code == "not_docx"


def test_image_only_pdf_asks_for_ocr():
    error = refused("scan.pdf", image_only_pdf())

    assert error.code == "pdf_no_text"
    assert "OCR" in error.message


@pytest.mark.parametrize("content", [
    b"this is not a pdf at all",
    b"%PDF-1.4\n\x00\x01 garbage without objects",
], ids=["no_header", "garbage"])
def test_damaged_pdf_is_refused(content):
    assert refused("a.pdf", content).code == "not_pdf"


def test_truncated_pdf_is_refused():
    assert refused("a.pdf", pdf_bytes(["一、工作开展情况"] * 50)[:3000]).code == "not_pdf"
