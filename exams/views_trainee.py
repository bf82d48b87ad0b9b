"""Trainee pages of the exams app: my exams (start or resume), the exam page and its result, the
wrong-answer book (错题本) and a contest's leaderboard.

Thin over the same selectors and services as the API. The exam page itself is driven by
`exam-take.js` against the JSON API; its HTML never holds a question, so it cannot hold a key.
The result page is rendered from `apis.attempt_view`, the dict the API returns, so a key or an
analysis reaches the page only when the exam's release policy lets the API send it.
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from backend.errors import ApplicationError

from . import attempts, results, selectors
from .apis import attempt_view, mistake_row
from .models import Attempt, Exam
from .serializers import points_text

PAGE_SIZE = 30
MISTAKES_PAGE_SIZE = 50
LEADERBOARD_ROWS = 200


# --- my exams ----------------------------------------------------------------------------------


def _window_state(exam: Exam, now) -> str:
    if now < exam.opens_at:
        return "upcoming"
    if now >= exam.closes_at:
        return "closed"
    return "open"


@login_required
def my_exams(request):
    """Exams I may sit: the open and upcoming ones first, then a page of closed ones; my attempts
    under each, with the score where the release policy shows it."""
    user, now = request.user, timezone.now()
    exams = selectors.exam_list_for_trainee(user=user)
    current = list(exams.filter(closes_at__gt=now).order_by("opens_at", "id")[:100])
    page = Paginator(exams.filter(closes_at__lte=now).order_by("-closes_at", "-id"), PAGE_SIZE).get_page(request.GET.get("page"))
    shown = current + list(page.object_list)
    mine: dict[int, list[Attempt]] = {}
    for attempt in selectors.attempts_of(user=user).filter(exam__in=[e.pk for e in shown]):
        mine.setdefault(attempt.exam_id, []).append(attempt)
    for exam in shown:
        exam.state = _window_state(exam, now)
        exam.my_attempt_list = mine.get(exam.pk, [])
        # An attempt past its deadline is submitted when next opened: it is not resumed.
        exam.in_progress = next((a for a in exam.my_attempt_list if a.status == Attempt.Status.IN_PROGRESS and a.deadline > now), None)
        exam.attempts_left = exam.attempts_allowed == 0 or exam.my_attempts < exam.attempts_allowed
        for attempt in exam.my_attempt_list:
            attempt.score_shown = results.score_visible(attempt, now)
            attempt.released = results.released(exam, now)
            attempt.score_text = points_text(attempt.score) if attempt.score_shown else None
            attempt.max_text = points_text(attempt.max_score)
    return render(request, "exams/take/my_exams.html", {"current": current, "page": page, "now": now})


@login_required
@require_POST
def exam_start(request, pk):
    """Start an attempt, or resume the one in progress, and go to the exam page."""
    exam = selectors.exam_list_for_trainee(user=request.user).filter(pk=pk).first()
    if exam is None:
        raise Http404
    try:
        attempt = attempts.attempt_start(user=request.user, exam=exam)
    except ApplicationError as exc:
        if exc.status_code == 404:
            raise Http404 from exc
        messages.error(request, exc.message)
        return redirect("my-exams")
    return redirect("attempt-take", pk=attempt.pk)


# --- the exam page and its result ----------------------------------------------------------------


@login_required
def attempt_take(request, pk):
    """The exam page while the attempt is in progress; afterwards (or to the exam's staff) the result."""
    user = request.user
    attempt = selectors.attempt_for_viewer(user=user, pk=pk)
    if attempt is None:
        raise Http404
    own = attempt.user_id == user.pk
    if own and attempt.status == Attempt.Status.IN_PROGRESS:
        if attempt.deadline <= timezone.now():  # the page reloads into its result at the deadline
            attempt = attempts.attempt_submit(attempt=attempt, by=Attempt.SubmittedBy.DEADLINE)
            attempt = selectors.attempt_for_viewer(user=user, pk=pk)
        else:
            return render(request, "exams/take/exam.html", {
                "attempt": attempt, "exam": attempt.exam, "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
            })
    view = attempt_view(attempt, viewer=user)
    return render(request, "exams/take/result.html", {
        "attempt": attempt, "exam": attempt.exam, "view": view, "own": own,
        "review": [_review_item(q, keys=view["keys_released"]) for q in view["questions"]],
        "released": results.released(attempt.exam),
    })


def _choice_labels(options: list[dict], ids) -> str:
    labels = {o["id"]: o["label"] for o in options}
    return "、".join(labels.get(i, "?") for i in sorted(ids or [], key=lambda i: labels.get(i, "~")))


def _response_text(kind: str, options: list[dict], response) -> str:
    """A trainee's answer as text; empty when unanswered."""
    if not isinstance(response, dict):
        return ""
    if kind in ("single", "multiple"):
        chosen = [i for i in response.get("options") or [] if isinstance(i, int)]
        return _choice_labels(options, chosen)
    if kind == "true_false":
        value = response.get("value")
        return "" if value is None else (_("True") if value else _("False"))
    if kind == "blank":
        blanks = [str(b).strip() for b in response.get("blanks") or []]
        return "；".join(b or "—" for b in blanks) if any(blanks) else ""
    return str(response.get("text") or "").strip()


def _key_text(kind: str, options: list[dict], key) -> str:
    if not isinstance(key, dict):
        return ""
    if kind in ("single", "multiple"):
        return _choice_labels(options, key.get("options"))
    if kind == "true_false":
        return _("True") if key.get("value") else _("False")
    if kind == "blank":
        return "；".join(" / ".join(alternatives) for alternatives in key.get("blanks", []))
    return str(key.get("reference") or "")


def _review_item(question: dict, *, keys: bool) -> dict:
    """One question of the result page. `key`, `analysis`, `score` and `correct` come from the
    API's dict, which holds them only when the policy allows; `keys` says whether it does."""
    kind, options = question["kind"], question["options"]
    response = question.get("response")
    chosen = set()
    if kind in ("single", "multiple") and isinstance(response, dict):
        chosen = {i for i in response.get("options") or [] if isinstance(i, int)}
    keyed = set()
    if keys and kind in ("single", "multiple") and isinstance(question.get("key"), dict):
        keyed = set(question["key"].get("options") or [])
    return {
        "position": question["position"], "kind": kind, "kind_label": question["kind_label"], "stem": question["stem"],
        "points": question["points"],
        "options": [{**o, "chosen": o["id"] in chosen, "key": o["id"] in keyed} for o in options],
        "answer": _response_text(kind, options, response),
        "keys": keys and "key" in question,
        "key": _key_text(kind, options, question.get("key")) if keys else "",
        "analysis": question.get("analysis", "") if keys else "",
        "score": question.get("score") if keys else None,
        "correct": question.get("correct") if keys else None,
        "comment": question.get("comment", "") if keys else "",
    }


# --- the wrong-answer book -------------------------------------------------------------------------


@login_required
def my_mistakes(request):
    """The wrong-answer book; `mistakes.js` turns it into a practice round through the practice API."""
    page = Paginator(results.mistakes_for(user=request.user), MISTAKES_PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [mistake_row(entry) for entry in page.object_list]
    for row in rows:
        row["last_answer"] = _response_text(row["kind"], row["options"], row["last_response"])
        row["key_text"] = _key_text(row["kind"], row["options"], row.get("key")) if row["key_shown"] else ""
    # What the practice script needs to ask a question again: never the key.
    practice = [
        {"id": r["id"], "kind": r["kind"], "kind_label": r["kind_label"], "stem": r["stem"], "options": r["options"], "blanks": r["blanks"]}
        for r in rows
    ]
    return render(request, "exams/take/mistakes.html", {
        "page": page, "rows": rows, "practice": practice, "mastered_after": results.MASTERED_AFTER,
        "csrf_cookie_name": settings.CSRF_COOKIE_NAME,
    })


# --- the leaderboard -------------------------------------------------------------------------------


def _clock(seconds) -> str:
    if seconds is None:
        return ""
    minutes, seconds = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


@login_required
def exam_leaderboard(request, pk):
    """A contest's ranking, for those who may sit the exam or manage it. `?unit=mine` ranks the
    people of my own organization's subtree among themselves."""
    user = request.user
    exam = selectors.exam_for_user(user=user, pk=pk)
    if exam is None or exam.mode != Exam.Mode.CONTEST:
        raise Http404
    mine_only = request.GET.get("unit") == "mine" and user.organization_id is not None
    standings = results.leaderboard(exam=exam, organization=user.organization if mine_only else None)
    rows = [
        {
            "rank": s.rank, "name": s.attempt.user.display_name or s.attempt.user.username,
            "unit": s.attempt.organization.name, "score": points_text(s.attempt.score), "time": _clock(s.attempt.seconds_taken),
            "me": s.attempt.user_id == user.pk,
        }
        for s in standings
    ]
    top = rows[:LEADERBOARD_ROWS]
    me = next((r for r in rows[LEADERBOARD_ROWS:] if r["me"]), None)
    return render(request, "exams/take/leaderboard.html", {
        "exam": exam, "rows": top, "me_below": me, "total": len(rows), "mine_only": mine_only,
        "has_unit": user.organization_id is not None,
    })

