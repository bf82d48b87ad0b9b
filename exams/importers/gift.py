"""Moodle GIFT text to questions (https://docs.moodle.org/en/GIFT_format).

Questions are blocks separated by blank lines; lines starting with // are comments. A block is
`::title::[format]stem{answers}`, where the answers decide the type:
  {}                          essay               -> short (no reference answer)
  {T} {TRUE} {F} {FALSE}      true/false          -> true_false
  {=right ~wrong ~wrong}      multiple choice     -> single
  {~%50%a ~%50%b ~%-100%c}    multiple response   -> multiple (positive weights are right)
  {=a =%50%b}                 short answer        -> blank (one blank; answers with weight <= 0 dropped)
Matching (->), numeric ({#…}) and descriptions (no braces) are reported in `unsupported`.

Text after the closing brace makes the missing-word form: the stem gets ____ where the braces
were. Several {=…} groups in one stem (which is how `export_gift` writes a multi-blank question)
read back as one blank each; Moodle itself would take only the first.
`$CATEGORY:` lines are ignored: banks are chosen by the person importing.
"""
import html
import re
from decimal import Decimal

from django.utils.translation import gettext as _

from .common import BLANK_MARK, ImportResult, ParsedQuestion, collect, line_issue

ESCAPABLE = "\\:=~#{}"
# Escaped characters become private-use stand-ins while the structure is read, then come back.
_HIDE = {c: chr(0xE000 + i) for i, c in enumerate(ESCAPABLE)}
_SHOW = str.maketrans({v: k for k, v in _HIDE.items()})
_STAND_INS = str.maketrans({v: None for v in _HIDE.values()})
_ESCAPE_RE = re.compile(r"\\(.)", re.S)
_TITLE_RE = re.compile(r"\s*::(.*?)::", re.S)
_FORMAT_RE = re.compile(r"\s*\[(html|moodle|plain|markdown)\]", re.I)
_GROUP_RE = re.compile(r"\{([^{}]*)\}")
_TRUE_FALSE_RE = re.compile(r"(T|TRUE|F|FALSE)\s*(#.*)?", re.I | re.S)
_WEIGHT_RE = re.compile(r"\s*%(-?\d+(?:\.\d+)?)%")


class _Malformed(Exception):
    """The block cannot be read: reported in errors."""


class _Unsupported(Exception):
    """The block is a question the system cannot hold: reported in unsupported."""


def parse_gift(text: str) -> ImportResult:
    result = ImportResult()
    position = 0
    for line, block in _blocks(text):
        block = "\n".join(b for b in block.split("\n") if not b.strip().startswith("$CATEGORY:"))
        if not block.strip():
            continue
        position += 1
        try:
            question = _parse_block(block)
        except _Malformed as exc:
            result.errors.append(line_issue(line, "", str(exc), position))
            continue
        except _Unsupported as exc:
            result.unsupported.append(line_issue(line, "", str(exc) % {"position": position}, position))
            continue
        question.source_line = line
        collect(result, question, position=position)
    return result


def _blocks(text: str):
    """(first line, block text) for each run of non-blank, non-comment lines."""
    lines, start = [], 0
    for number, line in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        if line.lstrip().startswith("//"):
            continue
        if not line.strip():
            if lines:
                yield start, "\n".join(lines)
            lines = []
            continue
        if not lines:
            start = number
        lines.append(line)
    if lines:
        yield start, "\n".join(lines)


def _hide_escapes(text: str) -> str:
    def hide(match):
        char = match.group(1)
        if char == "n":
            return "\n"
        return _HIDE.get(char, match.group(0))

    return _ESCAPE_RE.sub(hide, text.translate(_STAND_INS))


def _clean(text: str, fmt: str) -> str:
    """Stand-ins back to their characters; HTML to plain text; outer whitespace off."""
    text = text.translate(_SHOW)
    if fmt == "html":
        return _html_to_text(text)
    return "\n".join(line.strip() for line in text.strip().split("\n"))


def _html_to_text(text: str) -> str:
    text = re.sub(r"\s+", " ", text)  # source line breaks are not significant in HTML
    text = re.sub(r"(?i)<br\s*/?>|</(p|div|li|h[1-6]|tr)>", "\n", text)
    text = html.unescape(re.sub(r"<[^>]*>", "", text)).replace("\xa0", " ")
    text = re.sub(r" *\n *", "\n", re.sub(r"[ \t]+", " ", text))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _take_format(text: str, default: str) -> tuple[str, str]:
    match = _FORMAT_RE.match(text)
    return (match.group(1).lower(), text[match.end():]) if match else (default, text)


def _parse_block(block: str) -> ParsedQuestion:
    text = _hide_escapes(block)
    title = ""
    if text.lstrip().startswith("::"):
        match = _TITLE_RE.match(text)
        if match is None:
            raise _Malformed(_("The title opened with :: is never closed."))
        title, text = _clean(match.group(1), "plain"), text[match.end():]
    fmt, text = _take_format(text, "moodle")
    groups = list(_GROUP_RE.finditer(text))
    outside = _GROUP_RE.sub("", text)
    if "{" in outside:
        raise _Malformed(_("An answer block opened with { is never closed with }."))
    if "}" in outside:
        raise _Malformed(_("A } closes no answer block."))
    if not groups:
        raise _Unsupported(_("Question %(position)d has no answers (a description), which is not supported."))

    analysis = ""
    answer_texts = []
    for group in groups:
        answers, _sep, general = group.group(1).partition("####")
        if general.strip():
            general_fmt, general = _take_format(general, fmt)
            analysis = _clean(general, general_fmt)
        answer_texts.append(answers.strip())

    if len(groups) > 1:
        if not all(a.startswith("=") for a in answer_texts):
            raise _Malformed(_("Only fill-in-the-blank answers ({=…}) may appear more than once in a question."))
        blanks = [_blank_alternatives(_split_answers(a, fmt)) for a in answer_texts]
        stem = _GROUP_RE.sub(BLANK_MARK, text)
        return _question("blank", stem, fmt, [], {"blanks": blanks}, analysis, title)

    kind, options, key = _read_answers(answer_texts[0], fmt)
    group = groups[0]
    before, after = text[: group.start()], text[group.end():]
    if not after.strip():
        stem = before
    elif kind == "blank" or re.search(r"\w", after):
        stem = before + BLANK_MARK + after  # the missing-word form
    else:
        stem = before + after  # only closing punctuation follows the answers
    return _question(kind, stem, fmt, options, key, analysis, title)


def _question(kind, stem, fmt, options, key, analysis, title) -> ParsedQuestion:
    return ParsedQuestion(kind=kind, stem=_clean(stem, fmt), options=options, key=key, analysis=analysis, title=title)


def _read_answers(text: str, fmt: str) -> tuple[str, list[str], dict]:
    if not text:
        return "short", [], {"reference": ""}
    if text.startswith("#"):
        raise _Unsupported(_("Question %(position)d is a numeric question, which is not supported."))
    match = _TRUE_FALSE_RE.fullmatch(text)
    if match:
        return "true_false", [], {"value": match.group(1).upper().startswith("T")}
    answers = _split_answers(text, fmt)
    marks = {mark for mark, _weight, _answer in answers}
    if marks == {"="}:
        if any("->" in answer for _mark, _weight, answer in answers):
            raise _Unsupported(_("Question %(position)d is a matching question, which is not supported."))
        return "blank", [], {"blanks": [_blank_alternatives(answers)]}
    options = [answer for _mark, _weight, answer in answers]
    if "=" in marks:  # Moodle: an = among ~ answers makes a one-answer multiple choice
        right = [i for i, (mark, _weight, _answer) in enumerate(answers) if mark == "="]
        if len(right) != 1:
            raise _Unsupported(
                _("Question %(position)d marks several answers right with = in a single choice, which is not supported.")
            )
        return "single", options, {"options": right}
    right = [i for i, (_mark, weight, _answer) in enumerate(answers) if weight is not None and weight > 0]
    if not right:
        raise _Malformed(_("No answer is marked right: start the right answers with = or give them a positive weight."))
    return "multiple", options, {"options": right}


def _split_answers(text: str, fmt: str) -> list[tuple[str, Decimal | None, str]]:
    """[(mark = or ~, weight in percent or None, answer text)], feedback after # dropped."""
    parts = re.split(r"([=~])", text)
    if parts[0].strip():
        raise _Malformed(_("The answers cannot be read: each answer must start with = or ~."))
    answers = []
    for mark, body in zip(parts[1::2], parts[2::2]):
        weight = None
        match = _WEIGHT_RE.match(body)
        if match:
            weight, body = Decimal(match.group(1)), body[match.end():]
        body = body.partition("#")[0]
        answer_fmt, body = _take_format(body, fmt)
        answer = _clean(body, answer_fmt)
        if not answer:
            raise _Malformed(_("An answer is empty."))
        answers.append((mark, weight, answer))
    return answers


def _blank_alternatives(answers) -> list[str]:
    """The accepted answers of a short-answer group: weight > 0 or none; 0 % (the catch-all *) is dropped."""
    if {mark for mark, _weight, _answer in answers} != {"="}:
        raise _Malformed(_("Every answer of a fill-in-the-blank group must start with =."))
    accepted = [answer for _mark, weight, answer in answers if weight is None or weight > 0]
    if any("*" in answer for answer in accepted):
        raise _Unsupported(_("Question %(position)d accepts answers by the wildcard *, which is not supported."))
    if not accepted:
        raise _Malformed(_("No answer is marked right: start the right answers with = or give them a positive weight."))
    return accepted
