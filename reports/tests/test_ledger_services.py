"""The ledger's services: who may file and move a finding through its statuses, what each refusal
says, the history rows with the user and the reason, measures and evidence checks, overdue."""
import pytest
from django.utils import timezone, translation

from backend.errors import ApplicationError
from courses.tests.conftest import TOPIC, make_class, make_session
from reports.findings import EvidenceFile, Finding, Measure, Responsibility
from reports.ledger import rules, selectors, services

from .conftest import PDF_BYTES, file_finding, in_days, make_overdue, office_bytes, png_bytes, upload

pytestmark = pytest.mark.django_db

S = Finding.Status


@pytest.fixture(autouse=True)
def english():
    """Messages are asserted in English (the Chinese catalog may translate them any day)."""
    with translation.override("en"):
        yield


def refused(work) -> ApplicationError:
    with pytest.raises(ApplicationError) as caught:
        work()
    return caught.value


def add_measure(finding, actor, *, text="增加专题课2课时", done=False):
    measure = services.measure_create(actor=actor, finding=finding, text=text, responsible_name="张伟", responsible_unit="甲盟党校",
                                      due_on=in_days(10))
    if done:
        services.measure_set_done(actor=actor, measure=measure)
    return measure


# --- filing ---------------------------------------------------------------------------------------


def test_an_auditor_files_a_finding_in_scope_and_the_history_has_the_user_and_reason(tree, people):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    assert finding.status == S.OPEN and finding.filed_by == people["auditor_a"] and finding.organization == tree["banner_a"]
    (row,) = finding.history.all()
    assert row.history_type == "+" and row.history_user == people["auditor_a"] and row.history_change_reason == "file"


@pytest.mark.parametrize("who, org", [("organizer_a", "league_a"), ("trainee_a", "town_a"), ("auditor_a", "league_b"),
                                      ("auditor_a", "region")])
def test_filing_is_refused_outside_an_auditors_or_admins_scope(tree, people, who, org):
    error = refused(lambda: file_finding(people[who], tree[org]))
    assert error.code == "not_in_scope" and "organization" in error.errors
    assert not Finding.objects.exists()


def test_an_admin_files_too(tree, people):
    assert file_finding(people["admin_a"], tree["town_a"]).status == S.OPEN


@pytest.mark.parametrize("field, values, code", [
    ("title", {"title": "  "}, "required"),
    ("description", {"description": ""}, "required"),
    ("title", {"title": "长" * 201}, "too_long"),
    ("due_on", {"due_on": in_days(-1)}, "due_in_past"),
    ("category", {"category": "weather"}, "invalid"),
])
def test_filing_names_the_field_it_refuses(tree, people, field, values, code):
    error = refused(lambda: file_finding(people["auditor_a"], tree["league_a"], **values))
    assert error.code == code and list(error.errors) == [field] and error.message
    assert not Finding.objects.exists()


def test_a_class_must_be_hosted_in_the_findings_organization(tree, people):
    training_class = make_class(tree["banner_b"], people["organizer_b"])
    error = refused(lambda: file_finding(people["admin_region"], tree["league_a"], training_class=training_class))
    assert error.code == "class_outside_organization" and "training_class" in error.errors
    finding = file_finding(people["admin_region"], tree["league_b"], training_class=training_class)
    assert finding.training_class == training_class


# --- transitions ---------------------------------------------------------------------------------


def test_the_whole_way_round_with_history_rows_naming_who_and_why(tree, people):
    auditor, organizer = people["auditor_a"], people["organizer_a"]
    finding = file_finding(auditor, tree["banner_a"])
    finding = services.finding_transition(actor=organizer, finding=finding, action="start")
    assert finding.status == S.RECTIFYING
    add_measure(finding, organizer, done=True)
    finding = services.finding_transition(actor=organizer, finding=finding, action="submit", comment="已补齐专题课")
    finding = services.finding_transition(actor=auditor, finding=finding, action="send_back", comment="缺少签到表")
    assert finding.status == S.RECTIFYING
    finding = services.finding_transition(actor=organizer, finding=finding, action="submit")
    finding = services.finding_transition(actor=auditor, finding=finding, action="close")
    assert finding.status == S.CLOSED and finding.closed_at is not None
    finding = services.finding_transition(actor=auditor, finding=finding, action="reopen", comment="复查发现问题反弹")
    assert finding.status == S.REOPENED and finding.closed_at is None
    finding = services.finding_transition(actor=organizer, finding=finding, action="start")
    rows = list(Finding.history.filter(id=finding.pk).order_by("history_date", "history_id"))
    assert [(r.status, r.history_user.username, r.history_change_reason) for r in rows] == [
        ("open", "auditor_a", "file"),
        ("rectifying", "organizer_a", "start"),
        ("submitted", "organizer_a", "submit: 已补齐专题课"),
        ("rectifying", "auditor_a", "send_back: 缺少签到表"),
        ("submitted", "organizer_a", "submit"),
        ("closed", "auditor_a", "close"),
        ("reopened", "auditor_a", "reopen: 复查发现问题反弹"),
        ("rectifying", "organizer_a", "start"),
    ]
    timeline = selectors.finding_timeline(finding=finding)
    assert [e.event for e in timeline][:3] == ["start", "reopen", "close"]
    assert timeline[1].comment == "复查发现问题反弹" and timeline[1].user == people["auditor_a"]
    assert {"measure_add", "measure_done", "file"} <= {e.event for e in timeline}


@pytest.mark.parametrize("status, action, who, allowed", [
    (S.OPEN, "start", "organizer_a", True),
    (S.OPEN, "start", "auditor_a", False),
    (S.OPEN, "start", "admin_a", True),
    (S.OPEN, "close", "auditor_a", False),  # not from open
    (S.RECTIFYING, "submit", "auditor_a", False),
    (S.SUBMITTED, "close", "organizer_a", False),
    (S.SUBMITTED, "close", "auditor_a", True),
    (S.SUBMITTED, "close", "admin_region", True),
    (S.SUBMITTED, "send_back", "organizer_a", False),
    (S.SUBMITTED, "send_back", "auditor_a", True),
    (S.CLOSED, "reopen", "organizer_a", False),
    (S.CLOSED, "reopen", "auditor_a", True),
    (S.CLOSED, "start", "organizer_a", False),
    (S.REOPENED, "start", "organizer_a", True),
    (S.REOPENED, "close", "auditor_a", False),
])
def test_who_may_apply_which_transition_from_which_status(tree, people, status, action, who, allowed):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    add_measure(finding, people["organizer_a"], done=True)
    Finding.objects.filter(pk=finding.pk).update(status=status)
    finding.refresh_from_db()
    rows_before = finding.history.count()
    assert (action in rules.allowed_actions(people[who], finding)) is allowed
    if allowed:
        after = services.finding_transition(actor=people[who], finding=finding, action=action, comment="理由")
        assert after.status == rules.TRANSITIONS[action].target
        assert finding.history.count() == rows_before + 1
    else:
        error = refused(lambda: services.finding_transition(actor=people[who], finding=finding, action=action, comment="理由"))
        assert error.code in ("forbidden", "transition_not_allowed")
        assert error.status_code == (403 if error.code == "forbidden" else 409)
        finding.refresh_from_db()
        assert finding.status == status and finding.history.count() == rows_before


def test_a_finding_outside_scope_is_not_found_for_any_action(tree, people, auditor_b):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    for who in (auditor_b, people["organizer_b"], people["trainee_a"]):
        assert refused(lambda: services.finding_transition(actor=who, finding=finding, action="start")).status_code == 404
    assert refused(lambda: add_measure(finding, people["organizer_b"])).status_code == 404


def test_send_back_and_reopen_need_a_comment(tree, people):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    Finding.objects.filter(pk=finding.pk).update(status=S.SUBMITTED)
    error = refused(lambda: services.finding_transition(actor=people["auditor_a"], finding=finding, action="send_back", comment="  "))
    assert error.code == "comment_required" and "comment" in error.errors
    assert Finding.objects.get(pk=finding.pk).status == S.SUBMITTED


def test_submitting_needs_measures_all_done(tree, people):
    organizer = people["organizer_a"]
    finding = services.finding_transition(actor=organizer, finding=file_finding(people["auditor_a"], tree["banner_a"]), action="start")
    assert refused(lambda: services.finding_transition(actor=organizer, finding=finding, action="submit")).code == "no_measures"
    measure = add_measure(finding, organizer)
    add_measure(finding, organizer, text="补充签到", done=True)
    error = refused(lambda: services.finding_transition(actor=organizer, finding=finding, action="submit"))
    assert error.code == "measures_not_done" and "1 of 2" in error.message and "measures" in error.errors
    services.measure_set_done(actor=organizer, measure=measure)
    assert services.finding_transition(actor=organizer, finding=finding, action="submit").status == S.SUBMITTED


def test_an_unknown_action_is_refused_by_name(tree, people):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    error = refused(lambda: services.finding_transition(actor=people["auditor_a"], finding=finding, action="delete"))
    assert error.code == "invalid" and "action" in error.errors


# --- measures and responsibilities ------------------------------------------------------------------


def test_organizers_record_measures_auditors_do_not_and_submitted_findings_are_locked(tree, people):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    error = refused(lambda: add_measure(finding, people["auditor_a"]))
    assert error.code == "forbidden" and error.status_code == 403
    measure = add_measure(finding, people["organizer_a"], done=True)
    row = measure.history.latest()
    assert row.history_user == people["organizer_a"] and row.history_change_reason == "measure_done"
    services.finding_transition(actor=people["organizer_a"], finding=finding, action="start")
    services.finding_transition(actor=people["organizer_a"], finding=finding, action="submit")
    error = refused(lambda: add_measure(finding, people["organizer_a"], text="再加一条"))
    assert error.code == "finding_locked" and error.status_code == 409
    assert Measure.objects.filter(finding=finding).count() == 1


def test_a_measure_updated_and_its_responsible_user_must_be_in_the_organization(tree, people):
    organizer = people["organizer_a"]
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    measure = add_measure(finding, organizer)
    updated = services.measure_update(actor=organizer, measure=measure, text="改为3课时", responsible_name="", responsible_unit="",
                                      responsible_user=people["trainee_a"], due_on=measure.due_on, done=True)
    assert updated.responsible_name == people["trainee_a"].display_name and updated.responsible_unit == "甲盟一旗一镇"
    assert updated.done_at is not None and updated.history.latest().history_change_reason == "measure_done"
    error = refused(lambda: services.measure_update(actor=organizer, measure=measure, text="x", responsible_name="", responsible_unit="",
                                                    responsible_user=people["trainee_b"], due_on=measure.due_on, done=True))
    assert "responsible_user" in error.errors


def test_responsibilities_are_recorded_until_the_finding_closes(tree, people):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    item = services.responsibility_create(actor=people["auditor_a"], finding=finding, person_name="王小红", unit="甲盟一旗委组织部",
                                          role="主要责任人")
    assert item.history.get().history_change_reason == "responsibility_add"
    error = refused(lambda: services.responsibility_create(actor=people["organizer_a"], finding=finding, person_name="", role="直接责任人"))
    assert error.code == "required" and "person_name" in error.errors
    Finding.objects.filter(pk=finding.pk).update(status=S.CLOSED)
    error = refused(lambda: services.responsibility_delete(actor=people["auditor_a"], responsibility=item))
    assert error.code == "finding_closed"
    assert Responsibility.objects.filter(pk=item.pk).exists()


# --- evidence -------------------------------------------------------------------------------------


@pytest.mark.parametrize("name, content, content_type", [
    ("整改报告.pdf", PDF_BYTES, "application/pdf"),
    ("现场照片.PNG", png_bytes(), "image/png"),
    ("照片.jpg", b"\xff\xd8\xff\xe0" + b"0" * 100, "image/jpeg"),
    ("方案.docx", office_bytes("word/document.xml"), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    ("台账.xlsx", office_bytes("xl/workbook.xml"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
])
def test_evidence_of_each_allowed_type_is_stored_under_a_random_name(tree, people, name, content, content_type):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    evidence = services.evidence_upload(actor=people["organizer_a"], finding=finding, file=upload(name, content))
    assert evidence.name == name and evidence.size == len(content) and evidence.content_type == content_type
    assert name not in evidence.file.name and evidence.file.name.startswith("findings/")
    with evidence.file.open("rb") as handle:
        assert handle.read() == content
    assert evidence.history.get().history_change_reason == "evidence_add"


@pytest.mark.parametrize("name, content, code", [
    ("病毒.exe", b"MZ" + b"0" * 10, "file_type_not_allowed"),
    ("伪装.pdf", b"MZ" + b"0" * 10, "file_content_mismatch"),
    ("压缩包.docx", office_bytes("other.xml"), "file_content_mismatch"),
    ("空.pdf", b"", "file_empty"),
])
def test_evidence_refusals_name_the_file_and_the_field(tree, people, name, content, code):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    error = refused(lambda: services.evidence_upload(actor=people["organizer_a"], finding=finding, file=upload(name, content)))
    assert error.code == code and list(error.errors) == ["file"] and name in error.message
    assert not EvidenceFile.objects.exists()


def test_evidence_larger_than_20_mb_is_refused(tree, people):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    big = upload("大文件.pdf", PDF_BYTES + b"0" * (20 * 1024 * 1024))
    error = refused(lambda: services.evidence_upload(actor=people["organizer_a"], finding=finding, file=big))
    assert error.code == "file_too_large" and "20 MB" in error.message
    just_fits = upload("刚好.pdf", PDF_BYTES + b"0" * (20 * 1024 * 1024 - len(PDF_BYTES)))
    assert services.evidence_upload(actor=people["organizer_a"], finding=finding, file=just_fits).size == 20 * 1024 * 1024


def test_evidence_delete_permissions(tree, people):
    from accounts.tests.conftest import person
    from accounts.models import Role

    other_organizer = person(tree["banner_a"], Role.Kind.ORGANIZER, username="organizer_banner")
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    evidence = services.evidence_upload(actor=people["organizer_a"], finding=finding, file=upload("a.pdf", PDF_BYTES))
    assert refused(lambda: services.evidence_delete(actor=other_organizer, evidence=evidence)).code == "forbidden"
    services.evidence_delete(actor=people["auditor_a"], evidence=evidence)
    assert not EvidenceFile.objects.exists()
    assert EvidenceFile.history.filter(finding_id=finding.pk, history_type="-").get().history_user == people["auditor_a"]


# --- overdue --------------------------------------------------------------------------------------


def test_overdue_is_due_before_today_and_not_closed(tree, people):
    auditor = people["auditor_a"]
    due_today = file_finding(auditor, tree["banner_a"], title="今天到期", due_on=timezone.localdate())
    late = make_overdue(file_finding(auditor, tree["banner_a"], title="逾期"))
    late_closed = make_overdue(file_finding(auditor, tree["banner_a"], title="逾期已办结"))
    Finding.objects.filter(pk=late_closed.pk).update(status=S.CLOSED)
    overdue = dict(selectors.finding_list(user=auditor).values_list("title", "is_overdue"))
    assert overdue == {due_today.title: False, late.title: True, late_closed.title: False}
    assert list(selectors.finding_search(selectors.finding_list(user=auditor), overdue=True).values_list("pk", flat=True)) == [late.pk]


def test_a_measure_past_its_due_date_and_not_done_is_overdue(tree, people):
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    late, done = add_measure(finding, people["organizer_a"]), add_measure(finding, people["organizer_a"], text="已完成", done=True)
    Measure.objects.filter(pk__in=[late.pk, done.pk]).update(due_on=in_days(-1))
    assert {m.pk: m.is_overdue for m in selectors.measure_list(finding=finding)} == {late.pk: True, done.pk: False}


# --- prefilling from a class -------------------------------------------------------------------------


def test_the_draft_from_a_class_that_falls_short_names_the_shortfall(tree, people):
    training_class = make_class(tree["banner_a"], people["organizer_a"], title="第二期主体班")
    make_session(training_class, minutes=45, centi_hours=900)
    make_session(training_class, minutes=45, centi_hours=99, topics=(TOPIC,))
    draft = selectors.finding_draft_for_class(training_class=training_class)
    assert draft["organization"] == tree["banner_a"] and draft["category"] == Finding.Category.TOPIC_HOURS
    assert "第二期主体班" in draft["title"] and len(draft["shortfalls"]) == 1
    assert "0.99 / 9.99" in draft["description"] and draft["shortfalls"][0].message in draft["description"]


def test_removing_a_measure_keeps_its_evidence_on_the_finding(tree, people):
    organizer = people["organizer_a"]
    finding = file_finding(people["auditor_a"], tree["banner_a"])
    measure = add_measure(finding, organizer)
    evidence = services.evidence_upload(actor=organizer, finding=finding, file=upload("照片.png", png_bytes()), measure=measure)
    services.measure_delete(actor=organizer, measure=measure)
    evidence.refresh_from_db()
    assert evidence.measure is None and evidence.finding == finding
    events = [e.event for e in selectors.finding_timeline(finding=finding)]
    assert set(events[:2]) == {"measure_remove", "evidence_detach"}  # one transaction: the same instant, near enough
