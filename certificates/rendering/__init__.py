"""PDF rendering of completion certificates and hour transcripts (学时证明).

The public API of this package; other code imports from here only. Plain dataclasses in, PDF bytes
out; no database access. The Chinese font (settings.CERTIFICATES_FONT_PATH) is embedded as a
TrueType subset, and text the font cannot draw is refused with a ValueError naming the characters.
"""
from .certificate import render_certificate
from .documents import CertificateDocument, TranscriptDocument, TranscriptRow
from .fonts import MissingGlyphsError, check_font, font_problem, missing_glyphs, reset_font_cache
from .formatting import format_centi_hours
from .seal import check_seal_png
from .transcript import render_transcript

__all__ = [
    "CertificateDocument",
    "MissingGlyphsError",
    "TranscriptDocument",
    "TranscriptRow",
    "check_font",
    "check_seal_png",
    "font_problem",
    "format_centi_hours",
    "missing_glyphs",
    "render_certificate",
    "render_transcript",
    "reset_font_cache",
]
