"""Importing theory documents: file → text → section tree, and the key terms in it.

Pure Python, no models: `courses` services store what these functions return.
"""
from .extract import MAX_BYTES, extract_text
from .keyterms import KeyTermHit, find_key_terms, key_terms_by_section
from .structure import ParsedDocument, ParsedSection, iter_sections, parse_document

__all__ = [
    "MAX_BYTES",
    "KeyTermHit",
    "ParsedDocument",
    "ParsedSection",
    "extract_text",
    "find_key_terms",
    "iter_sections",
    "key_terms_by_section",
    "parse_document",
]
