"""Questions out to the Excel template (everything round-trips through `parse_excel`) and to GIFT
for Moodle.

GIFT keeps the type, title, stem, options, key and analysis (as general feedback ####). It has no
place for difficulty, score, knowledge points or tags, nor for a short answer's reference answer:
those are left out. GIFT holds one blank per question: a multi-blank question is written with one
{=…} group per blank, each at its ____ mark when the stem has one mark per blank, else all appended
after the stem (read back, they become the marks). `parse_gift` reads such a question back whole;
Moodle reads only the first group as the answer and shows the others as text.
"""
from collections.abc import Iterable
from decimal import Decimal

from .common import BLANK_MARK_RE, ParsedQuestion
from .excel_template import new_sheet, question_row, to_bytes, write_row
from .gift import ESCAPABLE


def export_excel(questions: Iterable[ParsedQuestion]) -> bytes:
    workbook, sheet = new_sheet()
    for row, question in enumerate(questions, start=3):
        write_row(sheet, row, question_row(question))
    return to_bytes(workbook)


def export_gift(questions: Iterable[ParsedQuestion]) -> str:
    return "\n".join(_gift_question(q) + "\n" for q in questions)


def _escape(text: str) -> str:
    text = "".join("\\" + c if c in ESCAPABLE else c for c in text)
    # A blank line would end the question, so line breaks travel as GIFT's \n.
    return text.replace("\r\n", "\n").replace("\n", "\\n")


def _gift_question(q: ParsedQuestion) -> str:
    title = f"::{_escape(q.title)}::" if q.title else ""
    # Moodle reads unmarked text as HTML-ish "Moodle auto-format": mark text that would be misread.
    fmt = "[plain]" if any(c in q.stem for c in "<&") else ""
    general = f"####{_escape(q.analysis)}" if q.analysis else ""
    if q.kind == "blank":
        return title + fmt + _gift_blanks(q, general)
    if q.kind in ("single", "multiple"):
        lines = [*_gift_options(q), general] if general else _gift_options(q)
        return title + fmt + _escape(q.stem) + "{" + "".join("\n\t" + line for line in lines) + "\n}"
    answer = ("TRUE" if q.key["value"] else "FALSE") if q.kind == "true_false" else ""  # short: an essay, {}
    return title + fmt + _escape(q.stem) + "{" + answer + general + "}"


def _gift_options(q: ParsedQuestion) -> list[str]:
    right = set(q.key["options"])
    if q.kind == "single":
        return [("=" if i in right else "~") + _escape(text) for i, text in enumerate(q.options)]
    weight = _weight(len(right))
    return [f"~%{weight if i in right else '-100'}%{_escape(text)}" for i, text in enumerate(q.options)]


def _gift_blanks(q: ParsedQuestion, general: str) -> str:
    groups = ["{" + " ".join("=" + _escape(a) for a in alternatives) + "}" for alternatives in q.key["blanks"]]
    groups[0] = groups[0][:-1] + general + "}"
    pieces = BLANK_MARK_RE.split(q.stem)
    if len(groups) == 1 and (len(pieces) == 1 or not pieces[-1].strip()):
        # No mark, or the mark ends the stem: the group follows the stem, which keeps its mark (a
        # group that closes the text leaves no mark behind when read back).
        return _escape(q.stem) + groups[0]
    if len(pieces) - 1 == len(groups):
        return "".join(_escape(piece) + group for piece, group in zip(pieces, groups)) + _escape(pieces[-1])
    return _escape(q.stem) + " " + " ".join(groups)  # read back, each group becomes a ____ mark


def _weight(count: int) -> str:
    """100 / count as Moodle writes grades: 50, 33.33333, 12.5."""
    return f"{Decimal(100) / count:.5f}".rstrip("0").rstrip(".")
