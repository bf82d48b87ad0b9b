"""Fixtures of the certificates tests: a template, and a closed class whose trainees completed it."""
import pytest
from django.test import TestCase

from accounts.models import Role
from accounts.tests.conftest import people, person, tree  # noqa: F401,F811  (shared fixtures)
from certificates import services
from certificates.models import IssueRun
from courses.models import Enrollment, TrainingClass
from courses.tests.conftest import enroll, make_class, make_session

BODY = "{name}同志于{starts_on}至{ends_on}参加{class}，学习{hours}课时，成绩合格，准予结业。"


def make_template(organization, actor, *, name="结业证书模板", title="结业证书", body=BODY, issuer_line="中共甲盟委员会组织部", **kwargs):
    return services.template_create(actor=actor, organization=organization, name=name, title=title, body=body, issuer_line=issuer_line, **kwargs)


def closed_class(organization, organizer, trainees, *, completed=None, title="第一期中青年干部培训班", centi_hours=2400):
    """A closed class with one session; `completed` (default: all) completed it with `centi_hours`."""
    training_class = make_class(organization, organizer, title=title, status=TrainingClass.Status.CLOSED)
    make_session(training_class, minutes=90, centi_hours=centi_hours, topics=("铸牢中华民族共同体意识",))
    done = set(u.pk for u in (trainees if completed is None else completed))
    for enrollment in enroll(training_class, *trainees):
        enrollment.completed = enrollment.user_id in done
        enrollment.attended_centi_hours = centi_hours if enrollment.completed else 0
        enrollment.save(update_fields=["completed", "attended_centi_hours"])
    return training_class


def trainees_at(org, count, prefix="学员"):
    names = ["欧阳明", "李华", "王小红", "张伟", "刘洋", "陈静", "杨帆", "赵磊", "黄丽", "周强"]
    return [person(org, Role.Kind.TRAINEE, username=f"{prefix}{i}", display_name=names[i % len(names)] + ("" if i < len(names) else str(i)))
            for i in range(count)]


def issue(training_class, actor) -> IssueRun:
    """Issue through the service and the (eager) task it enqueues after commit, as the page's button does."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = services.issue_request(actor=actor, training_class=training_class)
    run.refresh_from_db()
    return run


@pytest.fixture
def template(tree, people):
    return make_template(tree["league_a"], people["organizer_a"])


@pytest.fixture
def closed(tree, people, template):
    """A closed class of league A: trainee_a and two more completed it, one did not."""
    others = trainees_at(tree["town_a"], 3)
    training_class = closed_class(tree["league_a"], people["organizer_a"], [people["trainee_a"], *others], completed=[people["trainee_a"], *others[:2]])
    services.criteria_set(actor=people["organizer_a"], training_class=training_class, template=template)
    return training_class


@pytest.fixture
def enrolled_not_completed(closed):
    return Enrollment.objects.filter(training_class=closed, completed=False).select_related("user").get().user
