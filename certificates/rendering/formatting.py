"""Small text helpers shared by the certificate and the transcript."""
import datetime
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.lib import textsplit as _textsplit
from reportlab.platypus import paragraph as _paragraph

# ReportLab's CJK line breaking lets a character of ALL_CANNOT_START hang in the margin rather than
# start a line, but its list is mostly Japanese: it lacks the Chinese full-width comma, colon,
# semicolon, question and exclamation marks, closing quotes and title marks, so a line could start
# with "，" or "”". Adding them (idempotently) only changes where CJK lines break. Both copies
# matter: one-font paragraphs break in textsplit, mixed ones in paragraph.
_CHINESE_CANNOT_START = "，；：！？．”’》〉」』】〕〗｝％‰…"
for _module in (_textsplit, _paragraph):
    _module.ALL_CANNOT_START += "".join(ch for ch in _CHINESE_CANNOT_START if ch not in _module.ALL_CANNOT_START)


def format_centi_hours(value: int) -> str:
    """Hundredths of a class hour as a decimal without trailing zeros: 1250 -> "12.5",
    1200 -> "12", 1225 -> "12.25". Integer arithmetic only; floats are refused."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"centi-hours must be an int, not {type(value).__name__}")
    sign = "-" if value < 0 else ""
    whole, cents = divmod(abs(value), 100)
    if cents == 0:
        return f"{sign}{whole}"
    if cents % 10 == 0:
        return f"{sign}{whole}.{cents // 10}"
    return f"{sign}{whole}.{cents:02d}"


def format_date(day: datetime.date) -> str:
    # Translators: a date on a certificate; Chinese: %(year)d年%(month)d月%(day)d日
    return _("%(year)d-%(month)02d-%(day)02d") % {"year": day.year, "month": day.month, "day": day.day}


def paragraph_markup(text: str) -> str:
    """Plain text as ReportLab paragraph markup: escaped, line breaks kept."""
    return "<br/>".join(escape(line.strip()) for line in text.strip().splitlines())


def paragraphs(text: str) -> list[str]:
    """The paragraphs of `text` (separated by blank lines), as paragraph markup."""
    blocks, current = [], []
    for line in text.replace("\r\n", "\n").split("\n"):
        if line.strip():
            current.append(line)
        elif current:
            blocks.append("\n".join(current))
            current = []
    if current:
        blocks.append("\n".join(current))
    return [paragraph_markup(block) for block in blocks]
