"""Aiken text to single-choice questions (https://docs.moodle.org/en/Aiken_format).

    The Moodle project was started by:
    A) Petr Skoda
    B) Martin Dougiamas
    ANSWER: B

The question is the line(s) before the options; options are `A) text` or `A. text` (the space after
`)` may be missing; A） A． A、 are read too); `ANSWER: X` ends the question. Text stays text: nothing is read as HTML.
Blank lines may stand between the options and the ANSWER line; a new question line after options
means the previous question never got its ANSWER line. Every problem is reported at the line
where its question starts.
"""
import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from .common import F_ANSWER, F_OPTION, F_STEM, ImportResult, ParsedQuestion, collect, line_issue, option_letter

# `A.` needs a space after it (so a stem like "A.I. is …" is not an option); `A)` and the
# full-width marks people type in Chinese (A） A． A、) do not.
_OPTION_RE = re.compile(r"([A-Z])(?:[)）．、]\s*|\.\s+)(.*)")
_ANSWER_RE = re.compile(r"ANSWER\s*[:：]\s*(.*)", re.I)


@dataclass
class _Block:
    line: int
    stem: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)  # (letter, text)
    answer: str | None = None


def parse_aiken(text: str) -> ImportResult:
    result = ImportResult()
    blocks: list[_Block] = []
    block = None
    for number, raw in enumerate(text.lstrip("\ufeff").splitlines(), start=1):
        line = raw.strip()
        option, answer = _OPTION_RE.fullmatch(line), _ANSWER_RE.fullmatch(line)
        if not line:
            if block is not None and not block.options:
                blocks.append(block)  # a question text with no options: reported below
                block = None
            continue
        if answer:
            block = block or _Block(number)
            block.answer = answer.group(1).strip()
            blocks.append(block)
            block = None
        elif option:
            block = block or _Block(number)
            block.options.append((option.group(1), option.group(2).strip()))
        else:
            if block is not None and block.options:
                blocks.append(block)  # options, then a new question: no ANSWER line
                block = None
            block = block or _Block(number)
            block.stem.append(line)
    if block is not None:
        blocks.append(block)
    for position, block in enumerate(blocks, start=1):
        _read_block(result, block, position)
    return result


def _read_block(result: ImportResult, block: _Block, position: int) -> None:
    problems = []
    if not block.stem:
        problems.append((F_STEM, _("The question has no text before its options.")))
    if not block.options:
        problems.append((F_OPTION, _("The question has no options: write them as A) text, B) text and so on.")))
    elif len(block.options) == 1:
        problems.append((F_OPTION, _("The question has only one option; give at least two.")))
    letters = [letter for letter, _text in block.options]
    for index, letter in enumerate(letters):
        if letter != option_letter(index):
            problems.append((F_OPTION, _("Options must be lettered A, B, C and so on in order; %(letter)s is out of place.") % {"letter": letter}))
            break
    if block.answer is None:
        problems.append((F_ANSWER, _("The question ends without an ANSWER line.")))
    elif block.answer.upper() not in letters:
        problems.append((F_ANSWER, _("ANSWER: %(answer)s does not name one of the options.") % {"answer": block.answer}))
    if problems:
        result.errors += [line_issue(block.line, f, m, position) for f, m in problems]
        return
    question = ParsedQuestion(
        kind="single",
        stem="\n".join(block.stem),
        options=[text for _letter, text in block.options],
        key={"options": [letters.index(block.answer.upper())]},
        source_line=block.line,
    )
    collect(result, question, position=position)
