"""The reports API: compliance (per class, paginated, and rolled up the tree), training statistics
beside the previous period, and the annual summary paragraph. Each for an organization in the
caller's staff scope (404 otherwise) and a period."""
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import scope
from backend.downloads import XLSX, file_response
from backend.errors import ApplicationError, not_found
from backend.pagination import PageNumberPagination
from courses.models import ComplianceRule
from courses.training.compliance import hours_text

from . import exports, jobs, rollups
from .models import ReportJob
from .documents import completion_report, compliance_report, coverage_report, exams_report, statistics_report
from .summary import annual_summary


class ReportQuery(serializers.Serializer):
    organization = serializers.IntegerField(required=False, help_text=_("Default: the highest organization you audit or manage."))
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
    starts_on = serializers.DateField(required=False)
    ends_on = serializers.DateField(required=False)
    rule = serializers.IntegerField(required=False)

    def validate(self, data):
        if bool(data.get("starts_on")) != bool(data.get("ends_on")):
            raise serializers.ValidationError({"ends_on": [_("Give both the first and the last day, or a year.")]})
        if data.get("starts_on") and data["starts_on"] > data["ends_on"]:
            raise serializers.ValidationError({"ends_on": [_("The last day is before the first.")]})
        return data


PARAMETERS = [
    OpenApiParameter("organization", int), OpenApiParameter("year", int), OpenApiParameter("starts_on", date),
    OpenApiParameter("ends_on", date), OpenApiParameter("rule", int),
]


def report_scope(request):
    """(organization, period, query) from the query string; the organization must be in the caller's staff scope."""
    query = ReportQuery(data=request.query_params)
    query.is_valid(raise_exception=True)
    return _scope_from(request, query.validated_data)


def _scope_from(request, data):
    allowed = scope.organizations_in_scope(request.user, scope.STAFF_ROLES)
    if data.get("organization"):
        organization = allowed.filter(pk=data["organization"]).first()
    else:
        organization = allowed.order_by("depth", "path").first()
    if organization is None:
        raise not_found(_("Organization"))
    if data.get("starts_on"):
        period = rollups.Period(data["starts_on"], data["ends_on"])
    else:
        period = rollups.Period.year(data.get("year") or timezone.localdate().year)
    return organization, period, data


def period_json(period: rollups.Period) -> dict:
    return {"starts_on": period.first, "ends_on": period.last}


def organization_json(organization) -> dict:
    return {"id": organization.pk, "name": organization.name, "code": organization.code, "depth": organization.depth}


class ComplianceReportApi(APIView):
    """reports/compliance/: every class the topic-hour rule covers (paginated) and the rollup per organization."""

    @extend_schema(parameters=PARAMETERS, responses={200: dict})
    def get(self, request):
        organization, period, data = report_scope(request)
        rule = _rule_for(data)
        classes = rollups.compliance_classes(user=request.user, organization=organization, period=period, rule=rule)
        paginator = PageNumberPagination()
        page = paginator.paginate_queryset(classes, request, view=self)
        rows = []
        for c in page:
            state, retag = rollups.class_state(total=c.total, topic=c.topic, threshold=rule.threshold)
            rows.append({
                "id": c.pk, "title": c.title, "organization": c.organization.name, "kind": c.kind, "starts_on": c.starts_on,
                "total_centi_hours": c.total, "topic_centi_hours": c.topic, "state": c.state, "retag_centi_hours": retag,
            })
        rollup = rollups.compliance_rollup(user=request.user, organization=organization, period=period, rule=rule)
        return Response({
            "organization": organization_json(organization), "period": period_json(period),
            "rule": {"id": rule.pk, "name": rule.name, "threshold": rule.threshold, "topic": rule.topic.name if rule.topic else ""},
            "classes": {"count": paginator.page.paginator.count, "next": paginator.get_next_link(),
                        "previous": paginator.get_previous_link(), "results": rows},
            "rollup": [{
                "organization": organization_json(r.organization), "classes": r.classes, "decidable": r.decidable,
                "complying": r.complying, "total_centi_hours": r.total, "topic_centi_hours": r.topic,
            } for r in rollup],
        })


def _rule_for(data):
    rules = ComplianceRule.objects.filter(active=True, metric=ComplianceRule.Metric.TOPIC_HOUR_RATIO).select_related("organization", "topic")
    rule = rules.filter(pk=data["rule"]).first() if data.get("rule") else rules.order_by("pk").first()
    if rule is None:
        raise ApplicationError("no_rule", _("No active topic-hour rule to report on."), status_code=404)
    return rule


def _class_for_staff(request):
    from courses.training.selectors import class_for_user

    try:
        pk = int(request.query_params.get("training_class", ""))
    except ValueError:
        raise ApplicationError("invalid", _("Name the class: training_class=<id>."), errors={"training_class": [_("Required.")]})
    training_class = class_for_user(user=request.user, pk=pk)
    if training_class is None or not scope.in_scope(request.user, training_class.organization, scope.STAFF_ROLES):
        raise not_found(_("Class"))
    return training_class


def build_report(request, kind: str):
    """The report `kind` for the query string: compliance and coverage for a unit and a period,
    completion for a class."""
    if kind not in ("compliance", "completion", "coverage", "statistics", "exams"):
        raise not_found(_("Report"))
    if kind == "completion":
        return completion_report(user=request.user, training_class=_class_for_staff(request)), None
    organization, period, data = report_scope(request)
    if kind == "exams":
        return exams_report(user=request.user, organization=organization, period=period), organization
    if kind == "statistics":
        return statistics_report(user=request.user, organization=organization, period=period), organization
    if kind == "coverage":
        return coverage_report(user=request.user, organization=organization, period=period), organization
    return compliance_report(user=request.user, organization=organization, period=period, rule=_rule_for(data)), organization


class ReportExportApi(APIView):
    """reports/{compliance|completion|coverage}/export/?file_format=pdf|xlsx: the report as a file."""

    @extend_schema(parameters=[*PARAMETERS, OpenApiParameter("training_class", int),
                               OpenApiParameter("file_format", str, enum=["pdf", "xlsx"])],
                   responses={(200, "application/pdf"): bytes, (200, XLSX): bytes})
    def get(self, request, kind):
        file_format = request.query_params.get("file_format", "pdf")
        if file_format not in ("pdf", "xlsx"):
            raise ApplicationError("invalid", _("The file format must be pdf or xlsx."), errors={"file_format": [_("Unknown format.")]})
        report, _organization = build_report(request, kind)
        name = f"{report.title}-{report.scope}.{file_format}"
        if file_format == "pdf":
            return file_response(exports.pdf(report), name, "application/pdf")
        return file_response(exports.workbook(report), name, XLSX)


class CompletionReportApi(APIView):
    """reports/completion/?training_class=<id>: the roster with attendance, best score and certificate."""

    @extend_schema(parameters=[OpenApiParameter("training_class", int, required=True)], responses={200: dict})
    def get(self, request):
        from courses.training.selectors import class_total_centi_hours

        training_class = _class_for_staff(request)
        total = class_total_centi_hours(training_class)
        rows = [{
            "user": e.user_id, "name": e.user.display_name, "unit": e.user.organization.name if e.user.organization_id else "",
            "attended_centi_hours": e.attended, "attendance_rate": str(exports.percent_value(e.attended, total)) if total else None,
            "best_score": e.best_score, "completed": e.completed, "certificate": e.serial,
        } for e in rollups.completion_rows(training_class=training_class)]
        return Response({"training_class": {"id": training_class.pk, "title": training_class.title}, "total_centi_hours": total,
                         "roster": rows})


class CoverageReportApi(APIView):
    """reports/coverage/: rotation classes with target, trained and rate, and who is not yet trained."""

    @extend_schema(parameters=PARAMETERS, responses={200: dict})
    def get(self, request):
        organization, period, _data = report_scope(request)
        classes = [{
            "id": c.pk, "title": c.title, "organization": c.organization.name, "target": c.target, "trained": c.trained,
            "not_yet_trained": max(c.target - c.trained, 0),
        } for c in rollups.coverage_classes(user=request.user, organization=organization, period=period)]
        people = [{"training_class": e.training_class_id, "name": e.user.display_name,
                   "unit": e.user.organization.name if e.user.organization_id else ""}
                  for e in rollups.not_yet_trained(user=request.user, organization=organization, period=period)]
        return Response({"organization": organization_json(organization), "period": period_json(period), "classes": classes,
                         "not_yet_trained": people})


class StatisticsReportApi(APIView):
    """reports/statistics/: the training statistics of the period and of the one before it."""

    @extend_schema(parameters=PARAMETERS, responses={200: dict})
    def get(self, request):
        organization, period, data = report_scope(request)
        rule = rollups.topic_rules()[:1]
        topic_id = rule[0].topic_id if rule else None
        current = rollups.statistics(user=request.user, organization=organization, period=period, topic_id=topic_id)
        before = rollups.statistics(user=request.user, organization=organization, period=period.previous(), topic_id=topic_id)
        by_organization = [{"organization": organization_json(o), **f}
                           for o, f in rollups.statistics_tree(user=request.user, organization=organization, period=period)]
        return Response({
            "organization": organization_json(organization), "period": period_json(period),
            "previous_period": period_json(period.previous()), "figures": current, "previous": before,
            "hours_text": hours_text(current["hours"]), "by_organization": by_organization,
            "by_kind": rollups.statistics_by_kind(user=request.user, organization=organization, period=period),
        })


class SummaryReportApi(APIView):
    """reports/summary/: the year in sentences, ready to paste into a work report."""

    @extend_schema(parameters=PARAMETERS, responses={200: dict})
    def get(self, request):
        organization, period, data = report_scope(request)
        year = data.get("year") or period.first.year
        return Response({"organization": organization_json(organization), "year": year,
                         **annual_summary(user=request.user, organization=organization, year=year)})


class ReportJobInput(ReportQuery):
    kind = serializers.ChoiceField(choices=ReportJob.Kind.choices)
    file_format = serializers.ChoiceField(choices=ReportJob.Format.choices)
    training_class = serializers.IntegerField(required=False, help_text=_("The class of a completion report."))


class ReportJobOutput(serializers.ModelSerializer):
    organization_name = serializers.CharField(source="organization.name", read_only=True)
    ready = serializers.SerializerMethodField()

    class Meta:
        model = ReportJob
        fields = ["id", "kind", "file_format", "organization", "organization_name", "starts_on", "ends_on", "status", "progress",
                  "error", "rows", "ready", "created_at", "finished_at"]

    def get_ready(self, obj) -> bool:
        return bool(obj.file) and obj.status == ReportJob.Status.DONE


class ReportJobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """report-jobs/: the caller's own report files, built by Celery; nobody else sees or downloads them."""

    serializer_class = ReportJobOutput
    filterset_fields = ["status", "kind"]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return ReportJob.objects.none()
        return jobs.jobs_for(user=self.request.user)

    @extend_schema(request=ReportJobInput, responses={202: ReportJobOutput})
    def create(self, request):
        data = ReportJobInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        training_class = None
        if values.get("training_class"):
            from courses.training.selectors import class_for_user

            training_class = class_for_user(user=request.user, pk=values["training_class"])
            if training_class is None:
                raise not_found(_("Class"))
            values.setdefault("organization", training_class.organization_id)
        organization, period, _data = _scope_from(request, values)
        if training_class is not None:
            period = rollups.Period(training_class.starts_on, training_class.ends_on)
        job = jobs.report_request(actor=request.user, kind=values["kind"], organization=organization, period=period,
                                  file_format=values["file_format"], training_class=training_class)
        job.refresh_from_db()
        return Response(ReportJobOutput(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={(200, "application/octet-stream"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        job = self.get_object()
        if job.status != ReportJob.Status.DONE or not job.file:
            raise ApplicationError("not_ready", _("The report is still being built; try again in a moment."), status_code=409)
        with job.file.open("rb") as handle:
            content = handle.read()
        kind = "application/pdf" if job.file_format == ReportJob.Format.PDF else XLSX
        return file_response(content, job.file.name.rsplit("/", 1)[-1], kind)
