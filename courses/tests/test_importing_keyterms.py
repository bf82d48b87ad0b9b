"""Key terms: numbered formulas in quotes, with offsets, and the sections that hold them."""
from pathlib import Path

from courses.importing import KeyTermHit, find_key_terms, key_terms_by_section, parse_document

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def read_seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def test_seed_003_formulas_with_offsets():
    text = read_seed("003")

    hits = find_key_terms(text)

    terms = [hit.term for hit in hits]
    for term in ("十二个必须", "五句话", "三个离不开", "五个认同", "四个与共"):
        assert term in terms
    assert terms.count("五句话") == 3
    for hit in hits:
        assert text[hit.start:hit.end] == hit.term
        assert text[hit.start - 1] == '"' and text[hit.end] == '"'
    assert [h.start for h in hits] == sorted(h.start for h in hits)


def test_seed_003_terms_fall_in_the_right_sections():
    document = parse_document(read_seed("003"))

    found = {(section.number, section.title[:6]): hits for section, hits in key_terms_by_section(document)}

    first = found[("一、", "深刻理解把握")]
    assert [h.term for h in first][:5] == ["十二个必须", "五句话", "三个离不开", "五个认同", "四个与共"]
    body = document.sections[0].body
    for hit in first:
        assert body[hit.start:hit.end] == hit.term
    study = found[("（一）", "持续深化习近")]
    assert [h.term for h in study if h.term == "五句话"] == ["五句话", "五句话"]
    assert document.sections[1].children[0].body.count("五句话") == 2


def test_quotes_of_every_kind():
    text = '增强“四个意识”、坚定‘四个自信’、做到"两个维护"、拥护「两个确立」。'

    assert [h.term for h in find_key_terms(text)] == ["四个意识", "四个自信", "两个维护", "两个确立"]


def test_plain_counts_are_not_terms():
    text = "全区12个盟市召开会议，从三个方面部署，开展“石榴籽”行动，落实“十四五”规划，形成“三多、三少”问题。"

    assert find_key_terms(text) == []


def test_unquoted_repeats_count_once_the_term_is_quoted():
    text = "做到“两个维护”。两个维护是最高政治原则。"

    assert find_key_terms(text) == [KeyTermHit("两个维护", 3, 7), KeyTermHit("两个维护", 9, 13)]


def test_longest_term_wins():
    text = "深刻领悟“十二个必须”。"

    assert find_key_terms(text) == [KeyTermHit("十二个必须", 5, 10)]


def test_known_terms_from_elsewhere():
    assert find_key_terms("牢记五个认同。", known_terms={"五个认同"}) == [KeyTermHit("五个认同", 2, 6)]


def test_seed_002_and_004_terms():
    assert {"两个确立", "两个维护", "两个屏障", "十大行动"} <= {h.term for h in find_key_terms(read_seed("002"))}
    assert {"五个认同", "七个摒弃"} <= {h.term for h in find_key_terms(read_seed("004"))}
