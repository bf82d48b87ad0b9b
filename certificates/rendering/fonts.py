"""The one font every certificate and transcript is drawn with, embedded as a TrueType subset.

The font comes from settings.CERTIFICATES_FONT_PATH (WenQuanYi Micro Hei by default, a .ttc whose
first face has TrueType outlines). It is registered with ReportLab once per process and path:
parsing it costs about 0.1-0.2 s, far more than drawing a page. There is deliberately no fallback:
ReportLab's CID fonts (STSong-Light) are not embedded, so a reader without Chinese fonts would see
empty boxes. A missing font is an ImproperlyConfigured error and the system check
certificates.E001.
"""
import hashlib
import os
import threading

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext as _
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CHINESE_PROBE = "结业证书学时证明中华民族共同体"  # a font without these is no use here
_lock = threading.Lock()
_registered: dict[str, TTFont] = {}  # font path -> the TTFont registered for it


class MissingGlyphsError(ValueError):
    """Some text to be drawn has characters the font cannot draw (they would show as empty boxes)."""

    def __init__(self, characters: list[str]):
        self.characters = characters
        listed = ", ".join(f"{ch} (U+{ord(ch):04X})" for ch in characters)
        super().__init__(
            _("The certificate font has no glyph for %(characters)s; these characters cannot be printed.")
            % {"characters": listed}
        )


def font_path() -> str:
    return str(settings.CERTIFICATES_FONT_PATH)


def _load(path: str) -> TTFont:
    """Read the font at `path`; ImproperlyConfigured with a message saying what to do when it fails."""
    if not os.path.isfile(path):
        raise ImproperlyConfigured(
            _(
                "The certificate font %(path)s does not exist. Install the Debian package fonts-wqy-microhei "
                "(scripts/install_system_deps.sh) or set CERTIFICATES_FONT_PATH to a TrueType font with "
                "Chinese characters."
            )
            % {"path": path}
        )
    # The registered name depends on the path, so a test that points the setting elsewhere gets
    # a font of its own and never a stale one.
    name = "CertificateFont-" + hashlib.sha1(path.encode()).hexdigest()[:12]
    try:
        font = TTFont(name, path, subfontIndex=0)
    except Exception as error:  # ReportLab raises TTFError, but a broken file can raise anything
        raise ImproperlyConfigured(
            _(
                "The certificate font %(path)s cannot be loaded (%(error)s). It must have TrueType outlines "
                "(CFF/OpenType fonts such as Noto CJK cannot be embedded): install fonts-wqy-microhei."
            )
            % {"path": path, "error": error}
        ) from error
    if any(ord(ch) not in font.face.charToGlyph for ch in CHINESE_PROBE):
        raise ImproperlyConfigured(
            _("The certificate font %(path)s has no Chinese characters: install fonts-wqy-microhei.") % {"path": path}
        )
    return font


def get_font() -> TTFont:
    """The registered TrueType font for the configured path, registering it on first use."""
    path = font_path()
    font = _registered.get(path)
    if font is None:
        with _lock:
            font = _registered.get(path)
            if font is None:
                font = _load(path)
                pdfmetrics.registerFont(font)
                _registered[path] = font
    return font


def font_name() -> str:
    """The registered name. Give it to every Canvas as initialFontName (and to doc templates):
    ReportLab's default initial font is Helvetica, which is not embedded and would be listed in
    every page's resources even if no text used it."""
    return get_font().fontName


def reset_font_cache() -> None:
    """Forget the registered fonts (for tests that replace the font file at the same path)."""
    with _lock:
        _registered.clear()


def font_problem() -> str | None:
    """None when the configured font exists and loads, else a message naming the path and the fix."""
    try:
        get_font()
    except ImproperlyConfigured as error:
        return str(error)
    return None


def missing_glyphs(text: str) -> list[str]:
    """The distinct characters of `text` the font has no glyph for, in order of appearance."""
    char_map = get_font().face.charToGlyph
    missing: dict[str, None] = {}
    for ch in text:
        if not ch.isspace() and ord(ch) not in char_map:
            missing[ch] = None
    return list(missing)


def require_glyphs(*texts: str) -> None:
    """Raise MissingGlyphsError (a ValueError) when any of `texts` cannot be drawn in full."""
    missing = missing_glyphs("".join(texts))
    if missing:
        raise MissingGlyphsError(missing)


def check_font(app_configs=None, **kwargs):
    """System check certificates.E001: the certificate font is present and loads."""
    problem = font_problem()
    if problem is None:
        return []
    return [checks.Error(problem, id="certificates.E001")]
