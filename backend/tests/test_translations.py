"""Every message id has a Chinese translation, so no interface text shows up in English by default."""
from pathlib import Path

import polib

CATALOG = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_the_chinese_catalog_is_complete():
    po = polib.pofile(str(CATALOG))
    assert len(po) > 50
    untranslated = [e.msgid for e in po if not e.translated()]
    fuzzy = [e.msgid for e in po if "fuzzy" in e.flags]
    assert untranslated == [] and fuzzy == []


def test_placeholders_survive_translation():
    import re

    po = polib.pofile(str(CATALOG))
    # The names must survive; the format may differ (a Chinese date drops the zero padding: 3月6日).
    pattern = re.compile(r"%\((\w+)\)[-+ #0-9.]*[sd]")
    wrong = [e.msgid for e in po if sorted(pattern.findall(e.msgid)) != sorted(pattern.findall(e.msgstr or e.msgstr_plural.get(0, "")))]
    assert wrong == []
