"""QR and numeric-code check-in: who gets in, who is refused and why, and that nothing is written twice."""
from datetime import UTC, datetime, timedelta

import pytest

from backend.errors import ApplicationError
from courses.models import Attendance
from courses.training import attendance, checkin, services

from .conftest import enroll, make_class, make_session

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_session(tree, people):
    organizer = people["organizer_a"]
    training_class = make_class(tree["league_a"], organizer, late_after_minutes=10)
    session = make_session(training_class, minutes=120)
    [enrollment] = enroll(training_class, people["trainee_a"])
    session = attendance.checkin_open(actor=organizer, session=session)
    return session, enrollment


def refused(code, **kwargs):
    with pytest.raises(ApplicationError) as info:
        attendance.check_in_with_token(**kwargs)
    assert info.value.code == code, info.value.message
    return info.value


def test_a_fresh_token_checks_the_trainee_in_as_present(open_session, people):
    session, enrollment = open_session
    now = session.starts_at + timedelta(minutes=3)
    mark, created = attendance.check_in_with_token(user=people["trainee_a"], token=checkin.token_for(session, now), now=now)
    assert created and mark.status == Attendance.Status.PRESENT and mark.method == Attendance.Method.QR
    assert mark.enrollment == enrollment and mark.recorded_at == now


def test_after_the_grace_minutes_the_server_clock_says_late(open_session, people):
    session, _ = open_session
    on_time = session.starts_at + timedelta(minutes=10)
    late = session.starts_at + timedelta(minutes=10, seconds=1)
    assert attendance.check_in_with_token(user=people["trainee_a"], token=checkin.token_for(session, late), now=late)[0].status == "late"
    Attendance.objects.all().delete()
    assert attendance.check_in_with_token(user=people["trainee_a"], token=checkin.token_for(session, on_time), now=on_time)[0].status == "present"


def test_a_second_scan_records_nothing_new(open_session, people):
    session, _ = open_session
    now = session.starts_at
    first, created = attendance.check_in_with_token(user=people["trainee_a"], token=checkin.token_for(session, now), now=now)
    later = now + timedelta(minutes=30)  # a late re-scan does not turn "present" into "late"
    again, created_again = attendance.check_in_with_token(user=people["trainee_a"], token=checkin.token_for(session, later), now=later)
    assert created and not created_again
    assert again.pk == first.pk and again.status == "present" and again.recorded_at == now
    assert Attendance.objects.count() == 1 and Attendance.history.count() == 1


def test_a_token_is_accepted_for_its_slot_and_the_next_only(open_session, people):
    session, _ = open_session
    shown = session.starts_at
    token = checkin.token_for(session, shown)
    start_of_slot = checkin.slot_at(shown) * checkin.SLOT_SECONDS
    last_moment = datetime.fromtimestamp(start_of_slot + 2 * checkin.SLOT_SECONDS - 1, tz=UTC)
    expired = last_moment + timedelta(seconds=1)
    error = refused("token_expired", user=people["trainee_a"], token=token, now=expired)
    assert "30" in error.message
    assert not Attendance.objects.exists()
    assert attendance.check_in_with_token(user=people["trainee_a"], token=token, now=last_moment)[1]


def test_a_forged_signature_is_refused(open_session, people):
    session, _ = open_session
    now = session.starts_at
    session_id, slot, signature = checkin.token_for(session, now).split(".")
    tampered = f"{session_id}.{slot}.{'A' * len(signature)}"
    refused("token_forged", user=people["trainee_a"], token=tampered, now=now)
    refused("token_forged", user=people["trainee_a"], token=f"{session_id}.{int(slot) + 1}.{signature}", now=now)
    refused("token_invalid", user=people["trainee_a"], token="https://example.com/not-ours", now=now)
    assert not Attendance.objects.exists()


def test_another_sessions_token_is_refused(open_session, people):
    session, _ = open_session
    other = attendance.checkin_open(
        actor=people["organizer_a"],
        session=make_session(session.training_class, starts_at=session.ends_at + timedelta(hours=1), title="另一课"),
    )
    now = session.starts_at
    other_token = checkin.token_for(other, now)
    # Its id swapped for this session's: the signature binds the session, so it does not verify.
    _, slot, signature = other_token.split(".")
    refused("token_forged", user=people["trainee_a"], token=f"{session.pk}.{slot}.{signature}", now=now)
    # Sent from this session's page: named for what it is.
    error = refused("token_other_session", user=people["trainee_a"], token=other_token, session_id=session.pk, now=now)
    assert "另一课" in error.message
    assert not Attendance.objects.exists()


def test_reopening_voids_the_codes_of_the_earlier_opening(open_session, people):
    session, _ = open_session
    now = session.starts_at
    token = checkin.token_for(session, now)
    attendance.checkin_close(actor=people["organizer_a"], session=session, now=now)
    refused("checkin_not_open", user=people["trainee_a"], token=token, now=now)
    attendance.checkin_open(actor=people["organizer_a"], session=session, now=now)
    refused("token_forged", user=people["trainee_a"], token=token, now=now)


def test_a_scan_replayed_by_someone_not_on_the_roster_is_refused(open_session, people):
    session, _ = open_session
    now = session.starts_at
    error = refused("not_on_roster", user=people["trainee_b"], token=checkin.token_for(session, now), now=now)
    assert error.status_code == 403 and session.training_class.title in error.message
    assert not Attendance.objects.exists()


def test_a_withdrawn_trainee_cannot_check_in(open_session, people):
    session, enrollment = open_session
    services.enrollment_withdraw(actor=people["organizer_a"], enrollment=enrollment, reason="工作调动")
    refused("not_on_roster", user=people["trainee_a"], token=checkin.token_for(session, session.starts_at), now=session.starts_at)


def test_no_check_in_after_the_session_or_once_the_class_is_closed(open_session, people):
    session, _ = open_session
    end = session.ends_at
    refused("session_ended", user=people["trainee_a"], token=checkin.token_for(session, end), now=end)
    session.training_class.status = "closed"
    session.training_class.save()
    refused("class_closed", user=people["trainee_a"], token=checkin.token_for(session, session.starts_at), now=session.starts_at)


def test_the_numeric_code_checks_in_and_wrong_codes_are_limited(open_session, people):
    session, _ = open_session
    now = session.starts_at + timedelta(minutes=1)
    code = checkin.code_for(session, checkin.slot_at(now))
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(attendance.CODE_ATTEMPTS):
        with pytest.raises(ApplicationError) as info:
            attendance.check_in_with_code(user=people["trainee_a"], code=wrong, now=now)
        assert info.value.code == "code_wrong"
    with pytest.raises(ApplicationError) as info:
        attendance.check_in_with_code(user=people["trainee_a"], code=code, now=now)
    assert info.value.code == "too_many_attempts" and info.value.status_code == 429
    from django.core.cache import cache

    cache.clear()
    mark, created = attendance.check_in_with_code(user=people["trainee_a"], code=f" {code[:3]} {code[3:]} ", now=now)
    assert created and mark.method == Attendance.Method.CODE and mark.status == "present"


def test_manual_marks_keep_who_when_and_why(open_session, people):
    session, enrollment = open_session
    organizer = people["organizer_a"]
    now = session.starts_at
    attendance.check_in_with_token(user=people["trainee_a"], token=checkin.token_for(session, now), now=now)
    with pytest.raises(ApplicationError) as info:
        attendance.attendance_mark(actor=organizer, session=session, enrollment=enrollment, status="excused")
    assert info.value.code == "reason_required"
    assert Attendance.objects.get().status == "present"
    attendance.attendance_mark(actor=organizer, session=session, enrollment=enrollment, status="excused", note="因公出差，已请假")
    history = list(Attendance.history.order_by("history_date").values_list("status", "method", "history_user__username", "history_change_reason"))
    assert history == [("present", "qr", "trainee_a", None), ("excused", "manual", "organizer_a", "因公出差，已请假")]


def test_only_managers_of_the_host_open_check_in_or_mark(open_session, people):
    session, enrollment = open_session
    for outsider in (people["organizer_b"], people["auditor_a"], people["trainee_a"]):
        with pytest.raises(ApplicationError) as info:
            attendance.checkin_open(actor=outsider, session=session)
        assert info.value.status_code == 403
        with pytest.raises(ApplicationError):
            attendance.attendance_mark(actor=outsider, session=session, enrollment=enrollment, status="absent")
    assert not Attendance.objects.exists()
