"""Numbered formulas of the Party's theory: “三个离不开”, “五个认同”, “十二个必须”, “五句话”.

A key term is a Chinese numeral, a measure word and a short phrase, written between quotes.
Plain counts ("12个盟市", "三个方面") are not quoted and so are not found. Once a term has been
seen in quotes, its unquoted occurrences in the same text count too.
"""
import re
from dataclasses import dataclass

from .structure import ParsedDocument, ParsedSection, iter_sections

NUMERAL = "[一二两三四五六七八九十百]{1,3}"
MEASURE = "[个句项条大点种]"
PHRASE = "[\u4e00-\u9fff]{1,6}"
OPEN_QUOTES, CLOSE_QUOTES = "“‘\"'「『", "”’\"'」』"
QUOTED_TERM = re.compile(
    rf"(?<=[{OPEN_QUOTES}])({NUMERAL}{MEASURE}{PHRASE})(?=[{CLOSE_QUOTES}])"
)


@dataclass
class KeyTermHit:
    term: str
    start: int
    end: int


def find_key_terms(text: str, known_terms=()) -> list[KeyTermHit]:
    """Every occurrence of a key term in `text`, in order; offsets index `text`.

    `known_terms` adds terms found elsewhere (e.g. in the rest of the document), so that
    their unquoted occurrences here are found as well.
    """
    terms = set(known_terms) | quoted_terms(text)
    if not terms:
        return []
    # Longest first, so that “十二个必须” is not read as “二个必须”.
    alternatives = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    return [KeyTermHit(m.group(0), m.start(), m.end()) for m in re.finditer(alternatives, text)]


def quoted_terms(text: str) -> set[str]:
    return {match.group(1) for match in QUOTED_TERM.finditer(text)}


def key_terms_by_section(document: ParsedDocument) -> list[tuple[ParsedSection, list[KeyTermHit]]]:
    """The sections whose body holds key terms, in document order, with offsets into `section.body`.

    Terms are collected over the whole document first, so that an unquoted repeat in one
    section is found when another section quoted it.
    """
    sections = list(iter_sections(document.sections))
    whole = "\n".join([document.preamble, *(f"{s.title}\n{s.body}" for s in sections)])
    terms = quoted_terms(whole)
    found = []
    for section in sections:
        hits = find_key_terms(section.body, terms)
        if hits:
            found.append((section, hits))
    return found
