"""Plain text out of an uploaded theory document (.docx, .txt, .md, .pdf).

Every refusal is an `ApplicationError` with a stable code; the caller shows its message.
The text keeps one paragraph per line: the section parser relies on that, so the PDF
reader re-joins the lines that the page width wrapped (see `_pdf_text`).
"""
import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from django.utils.translation import gettext as _
from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from lxml.etree import XMLSyntaxError, XPathError
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTTextContainer, LTTextLine

from backend.errors import ApplicationError

MAX_BYTES = 20 * 1024 * 1024  # 20 MB per uploaded file
# A .docx is a zip: refuse one that unpacks to more than this (a "zip bomb").
MAX_UNPACKED_BYTES = 10 * MAX_BYTES
# Share of a GB18030 decoding that must be ordinary GB2312 characters: Big5 or
# Shift-JIS bytes also "decode" as GB18030, but into rare characters (mojibake).
MIN_COMMON_SHARE = 0.9

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = (".docx", ".pdf") + TEXT_SUFFIXES


def extract_text(file_name: str, content: bytes) -> str:
    """The document's text, one paragraph per line, with "\\n" newlines."""
    suffix = PurePath(file_name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise ApplicationError(
            "unsupported_type",
            _("Only .docx, .pdf, .txt and .md files can be imported. Save the document in one of these formats."),
        )
    _check_size(content)
    if suffix == ".docx":
        text = _docx_text(content)
    elif suffix == ".pdf":
        text = _pdf_text(content)
    else:
        text = _decode_text(content)
        if suffix == ".md":
            text = _strip_markdown(text)
    return normalize_newlines(text)


def normalize_newlines(text: str) -> str:
    """"\r\n", "\r" and the other line separators become "\n"."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\v\f\u2028\u2029\x85]", "\n", text)


def _check_size(content: bytes) -> None:
    if not content:
        raise ApplicationError("file_empty", _("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ApplicationError(
            "file_too_large",
            _("The file is larger than %(mb)d MB; split it into several files.") % {"mb": MAX_BYTES // (1024 * 1024)},
        )


# --- plain text -------------------------------------------------------------------------------

def _decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 (a superset of GBK and GB2312), else refuse."""
    if b"\x00" not in content:
        try:
            return content.decode("utf-8-sig")
        except UnicodeDecodeError:
            pass
        try:
            text = content.decode("gb18030")
        except UnicodeDecodeError:
            text = None
        if text is not None and _looks_chinese(text):
            return text
    raise ApplicationError(
        "bad_encoding",
        _("The text file is neither UTF-8 nor GBK (GB18030) encoded. Save it as UTF-8 and upload it again."),
    )


def _looks_chinese(text: str) -> bool:
    """At least MIN_COMMON_SHARE of the non-ASCII characters are in GB2312 (counted at C speed)."""
    wide = len(text) - len(text.encode("ascii", "ignore"))
    if not wide:
        return True
    uncommon = text.encode("gb2312", "replace").count(b"?") - text.count("?")
    return (wide - uncommon) / wide >= MIN_COMMON_SHARE


def _strip_markdown(text: str) -> str:
    """Drop heading marks ("## 一、…") and bold wrapped round a whole line ("**（一）…**").

    Asterisks inside a line stay: redacted figures are written `***` and `**％`.
    """
    lines = []
    for line in normalize_newlines(text).split("\n"):
        line = re.sub(r"^\s{0,3}#{1,6}\s+", "", line)
        line = re.sub(r"^\*\*([^*].*?)\*\*\s*$", r"\1", line)
        lines.append(line)
    return "\n".join(lines)


# --- .docx ------------------------------------------------------------------------------------

def _docx_text(content: bytes) -> str:
    not_docx = ApplicationError(
        "not_docx",
        _("The file is not a Word document (.docx) or it is damaged. Open it in Word or WPS, save it as .docx and upload it again."),
    )
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise not_docx
    if unpacked > MAX_UNPACKED_BYTES:
        raise ApplicationError("file_too_large", _("The document unpacks to more than %(mb)d MB.") % {
            "mb": MAX_UNPACKED_BYTES // (1024 * 1024)})
    try:
        document = Document(io.BytesIO(content))
        numbering = _ListNumbering(document)
        return "\n".join(_docx_lines(document, numbering))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, XMLSyntaxError, AttributeError):
        raise not_docx


def _docx_lines(document, numbering):
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            yield from _table_lines(block)
        else:
            yield numbering.label(block) + block.text


class _ListNumbering:
    """Word's automatic list numbers ("一、", "（一）", "1.") are not in the paragraph text: render them."""

    FORMATS = {
        "decimal": str, "decimalZero": lambda n: f"{n:02d}",
        "decimalFullWidth": lambda n: "".join(chr(ord(d) + 0xFEE0) for d in str(n)),
        "chineseCounting": lambda n: _chinese_numeral(n),
        "chineseCountingThousand": lambda n: _chinese_numeral(n),
        "decimalEnclosedCircle": lambda n: chr(0x245F + n) if n <= 20 else str(n),
        "decimalEnclosedCircleChinese": lambda n: chr(0x245F + n) if n <= 20 else str(n),
    }

    def __init__(self, document):
        try:
            self.root = document.part.part_related_by(RT.NUMBERING).element
        except KeyError:  # no list in the document
            self.root = None
        self.counters: dict[str, dict[int, int]] = {}  # abstract list id → level → last number

    def label(self, paragraph) -> str:
        try:
            return self._label(paragraph)
        except (ValueError, TypeError, XPathError):  # a malformed list definition: keep the text
            return ""

    def _label(self, paragraph) -> str:
        num_id, level = self._num_pr(paragraph)
        if self.root is None or num_id is None:
            return ""
        abstract = self._first(f"w:num[@w:numId='{num_id}']/w:abstractNumId/@w:val")
        levels = {int(lvl.get(qn("w:ilvl"))): lvl for lvl in self.root.xpath(
            f"w:abstractNum[@w:abstractNumId='{int(abstract)}']/w:lvl")} if abstract else {}
        if level not in levels or _val(levels[level], "numFmt", "decimal") in ("bullet", "none"):
            return ""
        counters = self.counters.setdefault(abstract, {})
        counters[level] = counters.get(level, int(_val(levels[level], "start", "1")) - 1) + 1
        for deeper in [k for k in counters if k > level]:
            del counters[deeper]
        text = _val(levels[level], "lvlText", "")
        for k, lvl in levels.items():
            render = self.FORMATS.get(_val(lvl, "numFmt", "decimal"), str)
            text = text.replace(f"%{k + 1}", render(counters.get(k, 1)))
        return text

    def _num_pr(self, paragraph):
        for pPr in [paragraph._p.pPr, *self._style_pPrs(paragraph.style)]:
            if pPr is not None and pPr.numPr is not None and pPr.numPr.numId is not None:
                ilvl = pPr.numPr.ilvl
                return int(pPr.numPr.numId.val), int(ilvl.val) if ilvl is not None else 0
        return None, 0

    @staticmethod
    def _style_pPrs(style):
        while style is not None:
            yield style.element.pPr
            style = style.base_style

    def _first(self, path):
        found = self.root.xpath(path)
        return found[0] if found else None


def _val(element, child: str, default: str) -> str:
    found = element.find(qn(f"w:{child}"))
    return found.get(qn("w:val"), default) if found is not None else default


def _chinese_numeral(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")
    return str(n)


def _table_lines(table):
    for row in table.rows:
        seen = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is returned once per grid column
                continue
            seen.add(id(cell._tc))
            for paragraph in cell.paragraphs:
                if paragraph.text.strip():
                    yield paragraph.text


# --- .pdf -------------------------------------------------------------------------------------

PAGE_NUMBER = re.compile(r"^\s*(?:[-—–]\s*)?(?:第\s*)?\d{1,4}(?:\s*页)?(?:\s*[-—–])?\s*$")


def _pdf_text(content: bytes) -> str:
    if b"%PDF-" not in content[:1024]:
        raise _not_pdf()
    try:
        lines = list(_pdf_lines(content))
    except Exception:  # noqa: BLE001 - pdfminer raises many exception types on damaged files
        raise _not_pdf()
    text = "\n".join(_join_wrapped(lines))
    if not text.strip():
        raise ApplicationError(
            "pdf_no_text",
            _("The PDF has no text layer: it holds only scanned images. Run text recognition (OCR) on it first, "
              "or upload the document as .docx or .txt."),
        )
    return text


def _not_pdf() -> ApplicationError:
    return ApplicationError(
        "not_pdf", _("The file is not a readable PDF: it is damaged or protected by a password."))


@dataclass(slots=True)
class _PdfLine:
    """One printed line: its text, edges and size, and whether a wider gap comes before it."""

    text: str
    x0: float
    x1: float
    y0: float
    size: float
    page: int
    after_gap: bool = True
    left: float = 0.0
    right: float = 0.0


def _pdf_lines(content: bytes):
    for page_number, page in enumerate(extract_pages(io.BytesIO(content), laparams=LAParams())):
        page_lines = []
        for box in page:
            if not isinstance(box, LTTextContainer):
                continue
            for line in box:
                text = line.get_text().strip() if isinstance(line, LTTextLine) else ""
                if text and not PAGE_NUMBER.match(text):
                    page_lines.append(_PdfLine(text, line.x0, line.x1, line.y0, max(line.height, 1.0), page_number))
        _measure_page(page_lines)
        yield from page_lines


def _measure_page(page_lines) -> None:
    """The text column's edges, and which lines follow a wider gap than the usual line pitch.

    The right edge is the median end of the long lines: lines ending in punctuation or Latin
    letters reach past it, lines ending paragraphs fall short.
    """
    if not page_lines:
        return
    left = min(line.x0 for line in page_lines)
    widest = max(line.x1 for line in page_lines)
    ends = sorted(line.x1 for line in page_lines if line.x1 - left >= 0.6 * (widest - left))
    right = ends[len(ends) // 2]
    pitches = [a.y0 - b.y0 for a, b in zip(page_lines, page_lines[1:])]
    usual = sorted(p for p in pitches if p > 0)
    usual_pitch = usual[len(usual) // 2] if usual else 0
    for line, pitch in zip(page_lines[1:], pitches):
        line.after_gap = pitch <= 0 or pitch > 1.25 * usual_pitch
    for line in page_lines:
        line.left, line.right = left, right


def _join_wrapped(lines):
    """Re-join the lines that the page width wrapped into paragraphs.

    A line continues the previous one when the previous reached the right margin, and this
    one follows at the usual line pitch (or starts a page) without a first-line indent.
    """
    paragraphs: list[str] = []
    previous = None
    for line in lines:
        if previous is not None and _continues(previous, line):
            separator = " " if _ascii_word_edge(paragraphs[-1], line.text) else ""
            paragraphs[-1] += separator + line.text
        else:
            paragraphs.append(line.text)
        previous = line
    return paragraphs


def _continues(previous: _PdfLine, line: _PdfLine) -> bool:
    # A line may stop short of the margin when the next begins with a long Latin word or number.
    unbreakable = re.match(r"[\x21-\x7e]*", line.text).end() * 0.5 * line.size
    reached_margin = previous.x1 >= previous.right - 1.5 * previous.size - unbreakable
    indented = line.x0 > line.left + 0.8 * line.size
    new_page = line.page != previous.page
    return reached_margin and not indented and (not line.after_gap or new_page)


def _ascii_word_edge(before: str, after: str) -> bool:
    return bool(re.search(r"[A-Za-z0-9]$", before) and re.match(r"[A-Za-z0-9]", after))
