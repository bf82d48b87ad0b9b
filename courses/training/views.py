"""Pages of training classes: the list and a class's page (timetable, roster, compliance), the
attendance sheet, the projector's check-in screen, and the trainee's schedule and check-in page.
Thin over the same selectors and services as the API."""
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts import scope
from backend.errors import ApplicationError

from .. import selectors as course_selectors
from ..models import Attendance, Enrollment, TrainingClass
from . import attendance, compliance, roster_import, selectors, services
from .apis import checkin_result
from .forms import ClassForm, CloseForm, CodeForm, MarkForm, RosterImportForm, SessionForm

PAGE_SIZE = 30


def _class_or_404(user, pk) -> TrainingClass:
    training_class = selectors.class_for_user(user=user, pk=pk)
    if training_class is None:
        raise Http404
    return training_class


def _session_or_404(user, pk, *, manage=False):
    session = selectors.session_for_user(user=user, pk=pk)
    if session is None:
        raise Http404
    allowed = selectors.can_manage if manage else selectors.can_view_records
    if not allowed(user, session.training_class):
        raise Http404
    return session


def _run(request, work, success: str | None = None) -> bool:
    """Call a service; show its refusal as a message instead of an error page."""
    try:
        work()
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return False
    if success:
        messages.success(request, success)
    return True


@login_required
def class_list(request):
    user = request.user
    classes = selectors.class_list(user=user)
    kind = request.GET.get("kind", "")
    if kind in TrainingClass.Kind.values:
        classes = classes.filter(kind=kind)
    page = Paginator(classes, PAGE_SIZE).get_page(request.GET.get("page"))
    mine = dict(Enrollment.objects.filter(user=user, training_class__in=[c.pk for c in page.object_list]).values_list("training_class", "status"))
    for training_class in page.object_list:
        training_class.my_status = mine.get(training_class.pk)
    return render(request, "courses/training/class_list.html", {
        "page": page, "kind": kind, "kinds": TrainingClass.Kind.choices,
        "can_create": scope.has_any_role(user, scope.MANAGER_ROLES),
        "page_query": f"kind={kind}" if kind else "",
    })


@login_required
def class_new(request):
    user = request.user
    organizations = scope.organizations_in_scope(user, scope.MANAGER_ROLES)
    if not organizations.exists():
        raise PermissionDenied(_("Only organizers and administrators can open a class."))
    form = ClassForm(request.POST or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        organization = organizations.get(pk=data.pop("organization"))
        data["min_centi_hours"] = data.pop("min_hours")
        try:
            training_class = services.training_class_create(actor=user, organization=organization, **data)
        except ApplicationError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The class is set up. Add its sessions and roster."))
            return redirect("class-page", pk=training_class.pk)
    return render(request, "courses/training/class_form.html", {"form": form})


@login_required
def class_detail(request, pk):
    user = request.user
    training_class = _class_or_404(user, pk)
    can_manage = selectors.can_manage(user, training_class)
    can_view = selectors.can_view_records(user, training_class)
    sessions = list(selectors.session_list(training_class=training_class))
    total = sum(s.centi_hours for s in sessions)
    context = {
        "training_class": training_class, "sessions": sessions, "total_centi_hours": total,
        "can_manage": can_manage, "can_view": can_view,
        "my_enrollment": Enrollment.objects.filter(training_class=training_class, user=user).first(),
    }
    if can_view:
        roster = selectors.enrollment_list(training_class=training_class, statuses=[Enrollment.Status.ENROLLED])
        page = Paginator(roster, PAGE_SIZE).get_page(request.GET.get("page"))
        for enrollment in page.object_list:
            enrollment.percent = compliance.percent_text(enrollment.attended, total) if total else "—"
            enrollment.meets = services.completion_met(training_class, attended=enrollment.attended, total=total)
        context.update(
            roster=page,
            pending=list(selectors.enrollment_list(training_class=training_class, statuses=[Enrollment.Status.PENDING])),
            compliance=compliance.class_compliance(training_class),
        )
    if can_manage and training_class.status != TrainingClass.Status.CLOSED:
        context.update(
            session_form=SessionForm(courses=course_selectors.course_list(user=user).filter(status="published")[:200]),
            import_form=RosterImportForm(), close_form=CloseForm(),
        )
    return render(request, "courses/training/class_detail.html", context)


@login_required
@require_POST
def class_action(request, pk, action):
    user = request.user
    training_class = _class_or_404(user, pk)
    if action == "register":
        _run(request, lambda: services.enrollment_register(user=user, training_class=training_class),
             _("Registration sent. The organizer will review it."))
    elif action in services.TRANSITIONS:
        _run(request, lambda: services.training_class_transition(actor=user, training_class=training_class, action=action),
             _("The class's status has changed."))
    elif action == "close":
        form = CloseForm(request.POST, request.FILES)
        form.is_valid()
        _run(request, lambda: services.training_class_close(actor=user, training_class=training_class, **form.cleaned_data),
             _("The class is closed: attendance is locked and completion decided."))
    else:
        raise Http404
    return redirect("class-page", pk=training_class.pk)


@login_required
@require_POST
def session_add(request, pk):
    user = request.user
    training_class = _class_or_404(user, pk)
    courses = course_selectors.course_list(user=user)
    form = SessionForm(request.POST, courses=courses.filter(status="published")[:200])
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            messages.error(request, f"{label}：{'；'.join(errors)}" if label else "；".join(errors))
        return redirect("class-page", pk=pk)
    data = form.cleaned_data
    course = courses.filter(pk=data["course"]).first() if data.get("course") else None
    _run(request, lambda: services.class_session_create(
        actor=user, training_class=training_class, title=data["title"], course=course, starts_at=data["starts_at"],
        ends_at=data["ends_at"], centi_hours=data["hours"], topics=data["topics"], teacher=data["teacher"],
        place=data["place"], mode=data["mode"], audience_count=data["audience_count"] or 0,
    ), _("Session added."))
    return redirect("class-page", pk=pk)


@login_required
@require_POST
def roster_import_page(request, pk):
    user = request.user
    training_class = _class_or_404(user, pk)
    form = RosterImportForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose an Excel file (.xlsx)."))
        return redirect("class-page", pk=pk)
    try:
        result = roster_import.enrollment_import(actor=user, training_class=training_class, content=form.cleaned_data["file"].read())
    except ApplicationError as exc:
        sessions = list(selectors.session_list(training_class=training_class))
        return render(request, "courses/training/roster_errors.html", {
            "training_class": training_class, "message": exc.message, "errors": exc.errors or [], "sessions": sessions,
        }, status=400)
    messages.success(request, _("%(added)d people enrolled; %(already)d were already on the roster.") % {"added": result.added, "already": result.already})
    return redirect("class-page", pk=pk)


@login_required
@require_POST
def enrollment_action(request, pk, action):
    user = request.user
    enrollment = Enrollment.objects.select_related("training_class__organization", "user").filter(pk=pk).first()
    if enrollment is None or not selectors.can_view_records(user, enrollment.training_class):
        raise Http404
    reason = request.POST.get("reason", "")
    if action == "withdraw":
        _run(request, lambda: services.enrollment_withdraw(actor=user, enrollment=enrollment, reason=reason),
             _("%(name)s has withdrawn.") % {"name": enrollment.user})
    elif action in ("approve", "reject"):
        _run(request, lambda: services.enrollment_decide(actor=user, enrollment=enrollment, approve=action == "approve", reason=reason),
             _("Registration decided."))
    else:
        raise Http404
    return redirect("class-page", pk=enrollment.training_class_id)


@login_required
def attendance_sheet(request, pk):
    user = request.user
    session = _session_or_404(user, pk)
    can_manage = selectors.can_manage(user, session.training_class)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied
        form = MarkForm(request.POST)
        if form.is_valid():
            enrollment = Enrollment.objects.filter(training_class_id=session.training_class_id, pk=form.cleaned_data["enrollment"]).select_related("user").first()
            if enrollment is None:
                raise Http404
            _run(request, lambda: attendance.attendance_mark(actor=user, session=session, enrollment=enrollment,
                                                           status=form.cleaned_data["status"], note=form.cleaned_data["note"]),
                 _("Mark saved for %(name)s.") % {"name": enrollment.user})
        return redirect(request.get_full_path())
    page = Paginator(selectors.attendance_sheet(session=session), PAGE_SIZE).get_page(request.GET.get("page"))
    history = list(selectors.attendance_history(session=session)[:50])
    return render(request, "courses/training/attendance_sheet.html", {
        "session": session, "training_class": session.training_class, "page": page, "can_manage": can_manage,
        "counts": selectors.attendance_counts(session=session), "statuses": Attendance.Status.choices, "history": history,
        "locked": session.training_class.status == TrainingClass.Status.CLOSED,
    })


@login_required
def checkin_screen(request, pk):
    """The projector: a big rotating QR code, the numeric code and the live count."""
    user = request.user
    session = _session_or_404(user, pk, manage=True)
    if request.method == "POST":
        if request.POST.get("state") == "close":
            _run(request, lambda: attendance.checkin_close(actor=user, session=session))
        else:
            _run(request, lambda: attendance.checkin_open(actor=user, session=session))
        return redirect("checkin-screen", pk=pk)
    return render(request, "courses/training/checkin_screen.html", {"session": session, "training_class": session.training_class})


@login_required
def checkin_scan(request):
    """Where the QR code leads: the phone's camera opens this URL. The page checks in by itself
    (a small script posts the form); without script, the trainee presses the button."""
    token = request.POST.get("t") or request.GET.get("t", "")
    result = error = None
    if request.method == "POST":
        try:
            mark, created = attendance.check_in_with_token(user=request.user, token=token)
            result = checkin_result(mark, created)
        except ApplicationError as exc:
            error = exc
    return render(request, "courses/training/checkin_scan.html", {"token": token, "result": result, "error": error},
                  status=400 if error and error.status_code < 500 else 200)


@login_required
def my_schedule(request):
    """The trainee's sessions (today's first), their marks, and the code check-in for those
    without a camera."""
    user = request.user
    result = error = None
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            mark, created = attendance.check_in_with_code(user=user, code=form.cleaned_data["code"])
            result = checkin_result(mark, created)
        except ApplicationError as exc:
            error = exc
    now = timezone.now()
    sessions = list(selectors.my_schedule(user=user).filter(ends_at__gte=now - timedelta(days=1))[:100])
    past = selectors.my_schedule(user=user).filter(ends_at__lt=now - timedelta(days=1)).count()
    registrations = Enrollment.objects.filter(user=user, status=Enrollment.Status.PENDING).select_related("training_class")
    return render(request, "courses/training/my_schedule.html", {
        "sessions": sessions, "past_count": past, "form": form, "result": result, "error": error, "now": now,
        "registrations": registrations,
    })
