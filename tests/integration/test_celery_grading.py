"""A worker killed in the middle of grading loses nothing and grades nothing twice.

Grading runs with acks_late: a worker that dies holding a task never acknowledges it, so the Redis
transport keeps the message in its `unacked` hash and hands it back to the queue once it is older
than the visibility timeout. The redelivered task finds the attempt still `submitted` (the killed
transaction rolled back) and grades it; a task whose attempt is already graded changes nothing.
"""
import base64
import json
import os
import time
from urllib.parse import urlsplit

import pytest
import redis
from django.db import OperationalError, transaction
from django.db.models import Count, Q

from accounts.models import Organization, Role
from accounts.tests.factories import RoleFactory, UserFactory, make_org
from exams.attempts import answer_save, attempt_start, attempt_submit
from exams.models import Attempt, GradeEvent
from exams.tests.conftest import SAMPLES, make_bank, make_exam

pytestmark = pytest.mark.integration

TRAINEES = 40
POINTS = 500
TIMEOUT_SECONDS = 90
# Long enough that the kill, sent within a poll of the task's start, lands inside the transaction.
PAUSE_SECONDS = 0.5
# The production default is 900 s; a message a killed worker held would come back only after that.
VISIBILITY_SECONDS = 5
# The Redis transport's bookkeeping of taken, unacknowledged messages (kombu's default key names).
UNACKED, UNACKED_INDEX = "unacked", "unacked_index"
# A Redis database of this test's own: see the redis_url fixture.
REDIS_DB = 9

_BY_KIND = {sample[0]: sample for sample in SAMPLES}
# The objective questions of the shared samples and one more, each with a right and a wrong response.
PAPER = [
    (_BY_KIND["single"], {"options": [0]}, {"options": [1]}),
    (_BY_KIND["multiple"], {"options": [0, 1, 2]}, {"options": [3]}),
    (_BY_KIND["true_false"], {"value": True}, {"value": False}),
    (_BY_KIND["blank"], {"blanks": ["交融"]}, {"blanks": ["交流"]}),
    (("true_false", "民族团结只是民族地区的事。", [], {"value": False}, "解析：民族团结是全国各族人民的事。"),
     {"value": False}, {"value": True}),
]


@pytest.fixture
def redis_url():
    """The integration Redis, on a database of its own.

    kombu keeps every worker's unacknowledged messages in one `unacked` hash per Redis database,
    and a worker moves back to their queues all those older than its own visibility timeout. With
    this test's 5 s, on the shared database it would hand a long task that another test's worker
    is still running to a second worker.
    """
    return urlsplit(os.environ["REDIS_URL"])._replace(path=f"/{REDIS_DB}").geturl()


@pytest.fixture
def broker(redis_url, celery_on_redis):
    """A Redis client on the broker's database; afterwards, drops this test's queue's leftovers
    from the unacked hash (a failed run), so no later worker restores them."""
    client = redis.Redis.from_url(redis_url)
    yield client
    for tag, raw in client.hgetall(UNACKED).items():
        if json.loads(raw)[2] == celery_on_redis:
            client.pipeline().hdel(UNACKED, tag).zrem(UNACKED_INDEX, tag).execute()
    client.close()


def held_message(client, queue: str) -> dict | None:
    """The message of `queue` a worker has taken and not acknowledged, with its delivery time."""
    for tag, raw in client.hgetall(UNACKED).items():
        payload, _exchange, routing_key = json.loads(raw)
        if routing_key == queue:
            args, _kwargs, _embed = json.loads(base64.b64decode(payload["body"]))
            delivered_at = client.zscore(UNACKED_INDEX, tag)
            if delivered_at is None:  # acknowledged between the two reads
                return None
            return {"tag": tag, "task_id": payload["headers"]["id"], "attempt_id": args[0], "delivered_at": delivered_at}
    return None


def row_locked_elsewhere(attempt_id: int) -> bool:
    """Whether another session holds the attempt's row lock, as attempt_grade does while grading."""
    try:
        with transaction.atomic():
            list(Attempt.objects.select_for_update(nowait=True).filter(pk=attempt_id).values_list("pk"))
    except OperationalError:
        return True
    return False


def submitted_attempts(count: int) -> dict[int, int]:
    """`count` trainees each submit the 5-question paper, trainee i answering question j right when
    bit j of i is set. Returns {attempt id: expected score}."""
    region = make_org("内蒙古自治区", "IT-GR", Organization.Kind.REGION)
    league = make_org("甲盟", "IT-GR-A", Organization.Kind.LEAGUE_CITY, region)
    banner = make_org("甲盟一旗", "IT-GR-A-1", Organization.Kind.BANNER_COUNTY, league)
    organizer = UserFactory(organization=league, username="it_grading_organizer")
    RoleFactory(user=organizer, organization=league, role=Role.Kind.ORGANIZER)
    _bank, questions = make_bank(league, organizer, samples=[sample for sample, _right, _wrong in PAPER], points=POINTS)
    exam = make_exam(league, organizer, questions)

    expected = {}
    for i in range(count):
        trainee = UserFactory(organization=banner)
        RoleFactory(user=trainee, organization=banner, role=Role.Kind.TRAINEE)
        attempt = attempt_start(user=trainee, exam=exam)
        score = 0
        for j, (question, (_sample, right, wrong)) in enumerate(zip(questions, PAPER)):
            is_right = bool(i >> j & 1)
            answer_save(user=trainee, attempt_id=attempt.pk, question_id=question.pk, response=right if is_right else wrong, seq=1)
            score += POINTS if is_right else 0
        # Autocommit here (transactional_db): the on_commit hook publishes the grading task at once.
        attempt_submit(attempt=attempt)
        expected[attempt.pk] = score
    return expected


def count_status(status: str) -> int:
    return Attempt.objects.filter(status=status).count()


def test_a_worker_killed_while_grading_loses_no_attempt_and_grades_none_twice(celery_worker_factory, celery_on_redis, broker):
    # Given: every attempt submitted, its grading task waiting in Redis.
    expected = submitted_attempts(TRAINEES)
    assert count_status(Attempt.Status.SUBMITTED) == TRAINEES
    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_SECONDS)}

    # When: a worker that dawdles inside each grading transaction has graded a few attempts and
    # has just started on another one (its message taken, its row locked), it is killed -9.
    # One attempt a task, so that it can be caught in the middle: with the default batch its first
    # task would take all 40 at once. The second worker grades in batches (the default).
    first = celery_worker_factory(EXAMS_GRADING_PAUSE_SECONDS=str(PAUSE_SECONDS), EXAMS_GRADING_BATCH="1", **env)
    held = {}

    def mid_grading():
        if count_status(Attempt.Status.GRADED) < 3:
            return False
        message = held_message(broker, celery_on_redis)
        if message is None or time.time() - message["delivered_at"] > PAUSE_SECONDS / 3:
            return False
        if not row_locked_elsewhere(message["attempt_id"]):
            return False
        held.update(message)
        return True

    assert first.wait_until(mid_grading, TIMEOUT_SECONDS, poll=0.02), f"no grading caught in progress:\n{first.log()}"
    first.kill()

    # Then the attempt it was grading is as submitted: its transaction rolled back, its message is
    # still held unacknowledged; others wait in the queue.
    killed = Attempt.objects.get(pk=held["attempt_id"])
    assert (killed.status, killed.score, killed.graded_at) == (Attempt.Status.SUBMITTED, None, None)
    assert not GradeEvent.objects.filter(attempt=killed).exists()
    graded_before_restart = count_status(Attempt.Status.GRADED)
    assert 3 <= graded_before_restart < TRAINEES - 1
    assert held_message(broker, celery_on_redis)["tag"] == held["tag"]
    assert f"exams.attempt_grade[{held['task_id']}] received" in first.log()
    assert f"exams.attempt_grade[{held['task_id']}] succeeded" not in first.log()

    # When: a second worker starts once the message is past its visibility timeout. kombu sweeps
    # overdue messages back when a worker starts, then only every ~100 s (a 10 s timer that scans
    # on every 10th tick), so a worker started earlier would leave it for that long.
    time.sleep(max(0.0, held["delivered_at"] + VISIBILITY_SECONDS + 0.5 - time.time()))
    second = celery_worker_factory(**env)

    def all_graded():
        return count_status(Attempt.Status.GRADED) == TRAINEES

    second.wait_until(all_graded, TIMEOUT_SECONDS)

    # Then every attempt is graded exactly once, with the score its answers earn.
    rows = Attempt.objects.annotate(grades=Count("grade_events", filter=Q(grade_events__kind=GradeEvent.Kind.GRADE)))
    outcome = {a.pk: (a.status, a.score, a.grades, a.graded_at is not None) for a in rows}
    assert outcome == {pk: (Attempt.Status.GRADED, score, 1, True) for pk, score in expected.items()}, (
        f"first worker:\n{first.log()}\nsecond worker:\n{second.log()}"
    )
    assert GradeEvent.objects.count() == TRAINEES
    assert list(GradeEvent.objects.filter(attempt_id=held["attempt_id"]).values_list("kind", "score_after")) == [
        (GradeEvent.Kind.GRADE, expected[held["attempt_id"]])
    ]
    # ...and the killed task came back through the broker: the same task, received again.
    assert second.wait_for_log(f"exams.attempt_grade[{held['task_id']}] succeeded", 10), second.log()
    assert f"exams.attempt_grade[{held['task_id']}] received" in second.log()
    # The tasks of attempts a batch already graded find nothing to do; once they have run, the
    # queue is empty and nothing of it is held unacknowledged.
    assert second.wait_until(lambda: broker.llen(celery_on_redis) == 0 and held_message(broker, celery_on_redis) is None, 30)
    assert GradeEvent.objects.count() == TRAINEES
