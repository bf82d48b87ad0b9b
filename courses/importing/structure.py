"""A theory document's text turned into a tree of sections, following its own numbering.

Rules in short (docs/decisions/0004-document-structure.md has the reasons):
- numbering styles 一、 （一） 1. （1） ① and 一是, in full- or half-width forms, with or without
  spaces; a style's rank is the order in which it first appears, 一是 always ranks last;
- a heading starts a paragraph, or follows a sentence end inside one ("…如下。一、…") when its
  number continues the sequence (or starts a new one under the open section);
- a numbered heading's title runs to the first 。！？： outside quotes, the rest is body;
- 一是 starts a section only when it starts a paragraph that does not also hold 二是;
- without 一、 numbering, a short line without final punctuation followed by a paragraph is a
  level-1 heading (newspaper sub-headings);
- web page furniture, picture captions and credit lines are dropped; redactions (***) stay.
"""
import itertools
import re
import unicodedata
from dataclasses import dataclass, field


@dataclass
class ParsedSection:
    number: str
    title: str
    body: str
    level: int
    children: list["ParsedSection"] = field(default_factory=list)


@dataclass
class ParsedDocument:
    title: str
    preamble: str
    sections: list[ParsedSection]


CN = "[一二三四五六七八九十]{1,3}"
DIGITS = "[0-9０-９]{1,3}"
NUMBER_STYLES = (  # (style, pattern at the start of the text; group 1 is the number)
    ("cn", re.compile(rf"({CN})\s*[、．.]")),
    ("paren_cn", re.compile(rf"[（(]\s*({CN})\s*[）)]")),
    ("digit", re.compile(rf"({DIGITS})\s*[、．.](?![0-9０-９])")),
    ("paren_digit", re.compile(rf"[（(]\s*({DIGITS})\s*[）)]")),
    ("circled", re.compile("([①-⑳])")),
)
ENUM = re.compile(rf"({CN})是(?=[^\s，,。；;、])")  # 一是 … 二是 …
ENUM_RANK = 100
PLAIN_RANK = 0

SENTENCE_END = re.compile(r"[。！？!?][”’\"」』]?\s*")
TITLE_END = set("。！？!?：:")
OPENERS, CLOSERS = "“‘《「『（(【", "”’》」』）)】"
FINAL_PUNCTUATION = set("。！？；，、：,.;:!?…")

MAX_TITLE_LINE = 60  # a document title line is at most this long
MAX_PLAIN_HEADING = 30  # an unnumbered sub-heading is at most this long
MAX_CAPTION = 40

FURNITURE_TOKEN = re.compile(
    r"(上一篇|下一篇|上一版|下一版|上一条|下一条|放大|缩小|默认|往期阅读|标题导航|返回目录|返回顶部|"
    r"打印本页|关闭窗口|当前版[:：]?|第?\d{1,3}版)"
)
PAGE_INDEX = re.compile(r"第\d{1,3}版[:：].{0,20}")  # "第01版:一版要闻"
CREDIT = re.compile(r"[（(][^（()）]{0,40}(提供|供图|摄影?|来源|编辑)[^（()）]{0,10}[)）]")


def parse_document(text: str) -> ParsedDocument:
    lines, from_web_page = _clean_lines(text)
    title, lines = _take_title(lines)
    if title and from_web_page:
        lines = _drop_captions(lines)
    lines = [line for line in lines if line != title]  # a web page repeats its headline at the end
    builder = _TreeBuilder()
    plain_headings = not any(_match_number(line, "cn") for line in lines)
    for index, line in enumerate(lines):
        following = lines[index + 1] if index + 1 < len(lines) else None
        if plain_headings and _is_plain_heading(line, following):
            builder.open_section(PLAIN_RANK, "", line)  # the whole line is the title
        else:
            builder.add_paragraph(line)
    return builder.document(title)


# --- lines: whitespace, web page furniture, title, captions -------------------------------------

def _clean_lines(text: str) -> tuple[list[str], bool]:
    lines, dropped = [], False
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        line = re.sub(r"[\s\u00a0\u3000\ufeff]+", " ", raw).strip()
        if not line:
            continue
        if _is_furniture(line):
            dropped = True
            continue
        lines.append(line)
    return lines, dropped


def _is_furniture(line: str) -> bool:
    if PAGE_INDEX.fullmatch(line) or CREDIT.fullmatch(line):
        return True
    return all(FURNITURE_TOKEN.fullmatch(token) for token in line.split())


def _take_title(lines: list[str]) -> tuple[str, list[str]]:
    """An unnumbered, short first line without final punctuation, with text after it."""
    if len(lines) < 2:
        return "", lines
    first = lines[0]
    if len(first) > MAX_TITLE_LINE or first[-1] in FINAL_PUNCTUATION or _number_at(first, 0):
        return "", lines
    return first, lines[1:]


def _drop_captions(lines: list[str]) -> list[str]:
    """Picture captions under a web page's headline: short single sentences ending in 。"""
    count = 0
    while count < len(lines) - 1 and _is_caption(lines[count]):
        count += 1
    return lines[count:]


def _is_caption(line: str) -> bool:
    return len(line) <= MAX_CAPTION and line.endswith("。") and not re.search(r"[，,；;：:]", line)


def _is_plain_heading(line: str, following: str | None) -> bool:
    return _looks_like_heading(line) and following is not None and not _looks_like_heading(following)


def _looks_like_heading(line: str) -> bool:
    return (
        len(line) <= MAX_PLAIN_HEADING
        and line[-1] not in FINAL_PUNCTUATION
        and not (line[0] in "（(" and line[-1] in "）)")
        and _number_at(line, 0) is None
    )


# --- numbers ------------------------------------------------------------------------------------

@dataclass
class _Number:
    style: str
    label: str  # as written, without spaces
    value: int
    end: int  # where the heading text starts


def _match_number(text: str, style: str, pos: int = 0) -> _Number | None:
    pattern = dict(NUMBER_STYLES)[style]
    return _number_from(style, pattern.match(text, pos), text)


def _number_at(text: str, pos: int, enum: bool = True) -> _Number | None:
    for style, pattern in NUMBER_STYLES:
        number = _number_from(style, pattern.match(text, pos), text)
        if number:
            return number
    return _number_from("enum", ENUM.match(text, pos), text) if enum else None


def _number_from(style: str, match: re.Match | None, text: str) -> _Number | None:
    if match is None:
        return None
    end = match.end()
    while end < len(text) and text[end] == " ":
        end += 1
    if end >= len(text) or text[end] in FINAL_PUNCTUATION:
        return None  # a bare number is no heading
    label = re.sub(r"\s+", "", match.group(0))
    return _Number(style, label, _value(match.group(1)), end)


def _value(numeral: str) -> int:
    numeral = unicodedata.normalize("NFKC", numeral)
    if numeral.isdigit():
        return int(numeral)
    if "①" <= numeral <= "⑳":
        return ord(numeral) - ord("①") + 1
    digits = "一二三四五六七八九"
    if "十" not in numeral:
        return digits.index(numeral) + 1
    tens, _, ones = numeral.partition("十")
    return (digits.index(tens) + 1 if tens else 1) * 10 + (digits.index(ones) + 1 if ones else 0)


def _numeral(value: int) -> str:
    digits = "一二三四五六七八九"
    if value < 10:
        return digits[value - 1]
    tens, ones = divmod(value, 10)
    return ("" if tens == 1 else digits[tens - 1]) + "十" + (digits[ones - 1] if ones else "")


def _split_title(text: str, start: int) -> tuple[str, int]:
    """A run-in heading's title: the text from `start` up to the first 。！？： outside quotes and
    brackets. Returns the title and where the body starts."""
    depth, straight_open = 0, False
    for index in range(start, len(text)):
        char = text[index]
        if char in OPENERS:
            depth += 1
        elif char in CLOSERS:
            depth = max(depth - 1, 0)
        elif char == '"':
            straight_open = not straight_open
        elif char in TITLE_END and depth == 0 and not straight_open:
            return text[start:index].strip(), index + 1
    return text[start:].strip(), len(text)


# --- the tree ---------------------------------------------------------------------------------

class _TreeBuilder:
    """Opens sections as headings come, nesting each under the nearest open one of lower rank."""

    def __init__(self):
        self.roots: list[ParsedSection] = []
        self.preamble: list[str] = []
        self.stack: list[tuple[int, ParsedSection, list[str]]] = []  # (rank, section, body parts)
        self.bodies: list[tuple[ParsedSection, list[str]]] = []
        self.ranks = {"plain": PLAIN_RANK, "enum": ENUM_RANK}
        self.last_value: dict[str, int] = {}

    def add_paragraph(self, text: str) -> None:
        number = _number_at(text, 0, enum=False) or self._enum_heading(text)
        start = self._open_numbered(number, text) if number else 0
        self._add_run(text, start)

    def open_section(self, rank: int, number: str, title: str) -> None:
        while self.stack and self.stack[-1][0] >= rank:
            self.stack.pop()
        parent = self.stack[-1][1] if self.stack else None
        section = ParsedSection(number, title, "", parent.level + 1 if parent else 1)
        (parent.children if parent else self.roots).append(section)
        parts: list[str] = []
        self.stack.append((rank, section, parts))
        self.bodies.append((section, parts))

    def document(self, title: str) -> ParsedDocument:
        for section, parts in self.bodies:
            section.body = "\n".join(part for part in parts if part)
        preamble = "\n".join(self.preamble)
        if not self.roots:  # no numbering at all: one section holds the text
            return ParsedDocument(title, "", [ParsedSection("", title, preamble, 1)])
        return ParsedDocument(title, preamble, self.roots)

    def _open_numbered(self, number: _Number, text: str) -> int:
        """Open the section of a heading found in `text`; return where its body starts."""
        rank = self.ranks.setdefault(number.style, len(self.ranks) - 1)
        self.last_value[number.style] = number.value
        title, body_start = _split_title(text, number.end)
        self.open_section(rank, number.label, title)
        return body_start

    def _enum_heading(self, text: str) -> _Number | None:
        number = _number_from("enum", ENUM.match(text), text)
        if number and number.value < 99 and not re.search(rf"[。；;！？]{_numeral(number.value + 1)}是", text):
            return number
        return None

    def _add_run(self, text: str, start: int) -> None:
        """Add body text from `start`, opening every heading that follows a sentence end in it."""
        position = start
        while True:
            found = self._next_run_in_heading(text, position)
            if found is None:
                self._append_body(text[position:])
                return
            cut, number = found
            self._append_body(text[position:cut])
            position = self._open_numbered(number, text)

    def _next_run_in_heading(self, text: str, position: int) -> tuple[int, _Number] | None:
        # Right after a heading's title ("一、总则。（一）…") counts as after a sentence end.
        after_title = [len(text) - len(text[position:].lstrip())] if position > 0 else []
        for cut in itertools.chain(after_title, (m.end() for m in SENTENCE_END.finditer(text, position))):
            number = _number_at(text, cut, enum=False)
            if number and self._continues_numbering(number):
                return cut, number
        return None

    def _continues_numbering(self, number: _Number) -> bool:
        if number.style not in self.ranks:
            return number.value == 1
        if number.value == self.last_value.get(number.style, 0) + 1:
            return True
        top_rank = self.stack[-1][0] if self.stack else -1
        return number.value == 1 and self.ranks[number.style] > top_rank

    def _append_body(self, text: str) -> None:
        text = text.strip()
        if text:
            (self.stack[-1][2] if self.stack else self.preamble).append(text)


def iter_sections(sections: list[ParsedSection]):
    """Every section, depth first, in document order."""
    for section in sections:
        yield section
        yield from iter_sections(section.children)
