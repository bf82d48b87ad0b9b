"""The section tree built from a document's own numbering, on the five seed documents and on
small texts for each rule."""
import time
from pathlib import Path

import pytest

from courses.importing import iter_sections, parse_document

SEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "seeds"


def read_seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def headings(sections):
    return [(s.number, s.title) for s in sections]


def outline(sections, depth=0):
    """The tree as indented lines, for failure messages and the report."""
    lines = []
    for s in sections:
        lines.append(f"{'  ' * depth}[{s.level}] {s.number}{s.title}")
        lines.extend(outline(s.children, depth + 1))
    return lines


# --- the seeds ------------------------------------------------------------------------------

def test_seed_000_report_with_three_parts():
    document = parse_document(read_seed("000"))

    assert document.title == ""
    assert document.preamble.startswith("近年来，省人社厅坚持把干部教育培训工作")
    assert headings(document.sections) == [("一、", "工作开展情况"), ("二、", "存在问题"), ("三、", "下步打算")]
    first = document.sections[0]
    assert headings(first.children) == [
        ("（一）", "坚持高标准学习"), ("（二）", "坚持高水平培训教育"), ("（三）", "坚持高质量整改落实")]
    assert [s.level for s in iter_sections(document.sections)] == [1, 2, 2, 2, 1, 2, 2, 2, 1, 2, 2, 2]
    # Inline 一是…二是… stay in the body of their section.
    assert first.children[0].body.startswith("以高度的政治责任感和使命感")
    assert "。一是提高站位学。" in first.children[0].body
    assert first.body.startswith("坚持把加强和改进民族工作作为一项重大政治任务")
    assert "（一）" not in first.body  # children's text is not repeated in the parent


def test_seed_001_redactions_are_kept():
    document = parse_document(read_seed("001"))

    assert document.title == ""
    assert document.preamble == ""
    assert headings(document.sections) == [("一、", "工作开展情况"), ("二、", "存在问题"), ("三、", "下一步工作措施")]
    assert len(document.sections[0].children) == 6
    assert document.sections[0].children[5].title == "全面提升民族事务法治水平"
    assert document.sections[2].children[0].title == "深刻把握新时代民族工作的历史方位，全面加强党对民族工作的领导"
    assert document.sections[0].body.startswith("***始终把深入学习贯彻")
    assert "课时占比超**％" in document.sections[0].children[1].body
    assert "培训各级教职员工近*万人次" in document.sections[0].children[1].body
    # 二、存在问题 enumerates with 一是…二是… inside one paragraph: no sub-sections.
    assert document.sections[1].children == []
    assert "：一是民族工作压力传导不够" in document.sections[1].body


def test_seed_002_newspaper_page_without_furniture():
    document = parse_document(read_seed("002"))

    assert document.title == "深入贯彻落实中央民族工作会议精神 推动新时代党的民族工作高质量发展"
    assert document.preamble.startswith("中央民族工作会议召开以来,自治区党委、政府")
    assert headings(document.sections) == [
        ("", "加强理论武装 深化思想认识"),
        ("", "加强系统谋划 推动贯彻落实"),
        ("", "聚焦重点任务 推动提质增效"),
        ("", "包头市:“四个三”做好民族团结进步工作"),
        ("", "呼伦贝尔市:打造民族团结长廊 筑牢安全稳定屏障"),
        ("", "兴安盟:积极构筑各民族共有精神家园"),
        ("", "赤峰市:有形有感有效 做深做细做实"),
        ("", "鄂尔多斯市:三个突出做好民族工作"),
    ]
    # 一是…四是… each start a paragraph here: they become the lowest level.
    assert headings(document.sections[2].children) == [
        ("一是", "构筑中华民族共有精神家园"),
        ("二是", "推动各族群众全面建设现代化内蒙古"),
        ("三是", "促进各民族广泛交往交流交融"),
        ("四是", "推动民族事务治理体系和治理能力现代化"),
    ]
    assert document.sections[2].children[0].level == 2
    # One paragraph holding 一是…五是… stays body.
    assert document.sections[0].children == []
    assert document.sections[0].body.startswith("一是及时召开自治区党委常委会会议")
    everything = "\n".join(
        [document.title, document.preamble] + [f"{s.title}\n{s.body}" for s in iter_sections(document.sections)])
    for furniture in ("往期阅读", "上一篇", "下一篇", "放大", "缩小", "当前版", "标题导航", "第01版",
                      "启动仪式。", "全体会议。", "开展党的民族理论和民族政策宣传。", "本版文图"):
        assert furniture not in everything
    assert everything.count(document.title) == 1
    assert document.sections[-1].body.endswith("为各族群众交往交流交融提供新的平台。")


def test_seed_003_headings_run_in_mid_paragraph():
    document = parse_document(read_seed("003"))

    assert document.title == "铸牢中华民族共同体意识贯穿主题教育全过程的通知"
    assert document.preamble.endswith("现就有关事项通知如下。")
    assert headings(document.sections) == [
        ("一、", "深刻理解把握铸牢中华民族共同体意识的重大意义"),
        ("二、", "把铸牢中华民族共同体意识贯穿落实到主题教育各项重点措施之中"),
        ("三、", "加强对把铸牢中华民族共同体意识贯穿落实到主题教育全过程的组织领导"),
    ]
    second, third = document.sections[1], document.sections[2]
    assert headings(second.children) == [
        ("（一）", '持续深化习近平新时代中国特色社会主义思想"民族篇"的学习'),
        ("（二）", "加强铸牢中华民族共同体意识相关问题的调查研究"),  # after "。" inside （一）'s paragraph
        ("（三）", "把突出铸牢中华民族共同体意识工作主线贯穿到推动发展、改善民生的实践中"),
        ("（四）", "聚焦铸牢中华民族共同体意识深入检视整改"),
        ("（五）", "健全完善铸牢中华民族共同体意识的制度机制"),
    ]
    assert headings(third.children) == [
        ("（一）", "坚决扛起责任"), ("（二）", "注重分类指导"), ("（三）", "树立鲜明导向"), ("（四）", "强化严督实导")]
    assert document.sections[0].body.startswith("铸牢中华民族共同体意识是习近平总书记作出的重大原创性论断。")
    assert second.children[0].body.endswith("面向各族群众加强党的理论和路线方针政策教育。")
    assert third.body.startswith("各地各部门要强化责任担当")


def test_seed_004_work_plan_with_continuous_arabic_numbers():
    document = parse_document(read_seed("004"))

    assert document.title == "内蒙古自治区民委2023年工作计划"
    assert document.preamble.startswith("2023年自治区民委工作总体思路是：")
    assert [s.number for s in document.sections] == ["一、", "二、", "三、", "四、", "五、", "六、"]
    assert document.sections[0].title == "深入学习宣传贯彻党的二十大精神"
    assert document.sections[2].title == "积极推动各民族共同走向社会主义现代化"  # indented in the file
    assert headings(document.sections[1].children) == [
        ("2.", "建立完善铸牢中华民族共同体意识宣传教育体系和理论研究体系"),
        ("3.", "培树典型，以点带面，鼓励和支持各地创新性开展铸牢中华民族共同体意识工作"),
        ("4.", "继续做好民族古籍工作，深入挖掘蕴含其中的民族团结进步思想内涵"),
    ]
    numbers = [s.number for s in iter_sections(document.sections) if s.level == 2]
    assert numbers == [f"{n}." for n in range(1, 17)]


def test_all_seeds_parse_quickly():
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    assert len(texts) == 5
    start = time.perf_counter()
    for text in texts:
        parse_document(text)
    assert time.perf_counter() - start < 1.0


# --- the rules, one by one ------------------------------------------------------------------

@pytest.mark.parametrize("first, second, number", [
    ("（一）", "（二）", "（二）"),
    ("(一)", "(二)", "(二)"),
    ("（ 一 ）", "(二）", "(二）"),
    ("1.", "2.", "2."),
    ("1．", "2．", "2．"),
    ("１．", "２．", "２．"),
    ("1、", "2、", "2、"),
    ("1. ", "2.  ", "2."),
    ("（1）", "（2）", "（2）"),
    ("(1)", "(2)", "(2)"),
])
def test_full_and_half_width_numbering_with_or_without_spaces(first, second, number):
    text = f"一、总体要求\n{first}坚持学习。正文甲。\n{second}狠抓落实。正文乙。\n二、 保障措施\n正文丙。"

    document = parse_document(text)

    assert headings(document.sections) == [("一、", "总体要求"), ("二、", "保障措施")]
    children = document.sections[0].children
    assert [c.title for c in children] == ["坚持学习", "狠抓落实"]
    assert children[1].number == number
    assert [c.body for c in children] == ["正文甲。", "正文乙。"]
    assert [c.level for c in children] == [2, 2]
    assert document.sections[1].body == "正文丙。"


def test_levels_follow_the_order_in_which_styles_first_appear():
    text = "（一）第一部分\n1.要点甲。说明。\n（1）细目。说明。\n2.要点乙\n（二）第二部分\n1.要点丙"

    document = parse_document(text)

    assert outline(document.sections) == [
        "[1] （一）第一部分", "  [2] 1.要点甲", "    [3] （1）细目", "  [2] 2.要点乙",
        "[1] （二）第二部分", "  [2] 1.要点丙",
    ]


def test_a_decimal_is_not_a_number():
    document = parse_document("一、成效\n1.5万人次参加培训。\n12.3%的干部参加轮训。")

    assert document.sections[0].children == []
    assert document.sections[0].body == "1.5万人次参加培训。\n12.3%的干部参加轮训。"


def test_run_in_heading_needs_the_next_number_in_sequence():
    text = "一、学习。正文。（一）细则甲。正文。（三）不是标题。\n（二）细则乙。正文。二、落实。正文。一、不是标题。"

    document = parse_document(text)

    assert headings(document.sections) == [("一、", "学习"), ("二、", "落实")]
    assert headings(document.sections[0].children) == [("（一）", "细则甲"), ("（二）", "细则乙")]
    assert document.sections[0].children[0].body == "正文。（三）不是标题。"
    assert document.sections[1].body == "正文。一、不是标题。"


def test_title_stops_at_the_first_full_stop_outside_quotes():
    document = parse_document('一、关于"两个确立。"的学习：正文在此。\n二、收尾')

    assert document.sections[0].title == '关于"两个确立。"的学习'
    assert document.sections[0].body == "正文在此。"


def test_document_without_numbering_is_one_section():
    text = "关于加强学习的意见\n\n各单位要加强学习，提高认识。\n要结合实际，抓好落实，务求实效。\n"

    document = parse_document(text)

    assert document.title == "关于加强学习的意见"
    assert document.preamble == ""
    assert len(document.sections) == 1
    only = document.sections[0]
    assert (only.number, only.title, only.level, only.children) == ("", "关于加强学习的意见", 1, [])
    assert only.body == "各单位要加强学习，提高认识。\n要结合实际，抓好落实，务求实效。"


def test_document_without_title_or_numbering():
    document = parse_document("各单位要加强学习，提高认识。\n要结合实际，抓好落实。")

    assert document.title == ""
    assert [(s.number, s.title) for s in document.sections] == [("", "")]
    assert document.sections[0].body == "各单位要加强学习，提高认识。\n要结合实际，抓好落实。"


def test_empty_text():
    document = parse_document("  \n\n")

    assert document.title == ""
    assert document.preamble == ""
    assert [(s.title, s.body) for s in document.sections] == [("", "")]


def test_short_lines_are_headings_only_without_yi_numbering():
    newspaper = "标题行\n导语段落，写得比较长，有标点。\n短标题一\n第一段正文，写得比较长，有标点。\n短标题二\n第二段正文。"
    numbered = "一、正式标题\n短行\n正文段落，写得比较长，有标点。"

    assert headings(parse_document(newspaper).sections) == [("", "短标题一"), ("", "短标题二")]
    document = parse_document(numbered)
    assert headings(document.sections) == [("一、", "正式标题")]
    assert document.sections[0].body == "短行\n正文段落，写得比较长，有标点。"


def test_signature_and_date_at_the_end_are_not_headings():
    text = "标题行\n正文段落，写得比较长，有标点。\n短标题\n正文。\n某某委员会\n2023年1月5日"

    document = parse_document(text)

    assert headings(document.sections) == [("", "短标题")]
    assert document.sections[0].body == "正文。\n某某委员会\n2023年1月5日"


def test_captions_are_dropped_only_on_web_pages():
    web = "上一篇 下一篇\n大标题\n图为会议现场。\n正文第一段，内容较长，有逗号。"
    plain = "大标题\n现将有关事项通知如下。\n正文第一段，内容较长，有逗号。"

    assert parse_document(web).sections[0].body == "正文第一段，内容较长，有逗号。"
    assert parse_document(plain).sections[0].body == "现将有关事项通知如下。\n正文第一段，内容较长，有逗号。"


def test_whitespace_and_non_breaking_spaces_are_normalised():
    document = parse_document("\ufeff\u3000一、\u00a0工作开展情况\r\n\u3000\u3000正文\u00a0\u00a0内容。\r\n")

    assert headings(document.sections) == [("一、", "工作开展情况")]
    assert document.sections[0].body == "正文 内容。"


def test_heading_right_after_a_run_in_title():
    document = parse_document("一、总则。（一）适用范围。正文。（二）原则。正文。二、附则：1.施行。")

    assert outline(document.sections) == [
        "[1] 一、总则", "  [2] （一）适用范围", "  [2] （二）原则", "[1] 二、附则", "  [2] 1.施行"]
    assert document.sections[0].body == ""


def test_a_thousand_run_in_headings_on_one_line():
    text = "一、总则。" + "".join(f"（{n}）第{n}条。说明。" for n in range(1, 1000))

    document = parse_document(text)

    assert [c.number for c in document.sections[0].children] == [f"（{n}）" for n in range(1, 1000)]
