from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import apis

router = DefaultRouter()
router.register("report-jobs", apis.ReportJobViewSet, basename="report-job")

urlpatterns = [
    path("reports/compliance/", apis.ComplianceReportApi.as_view(), name="api-report-compliance"),
    path("reports/<str:kind>/export/", apis.ReportExportApi.as_view(), name="api-report-export"),
    path("reports/completion/", apis.CompletionReportApi.as_view(), name="api-report-completion"),
    path("reports/coverage/", apis.CoverageReportApi.as_view(), name="api-report-coverage"),
    path("reports/statistics/", apis.StatisticsReportApi.as_view(), name="api-report-statistics"),
    path("reports/summary/", apis.SummaryReportApi.as_view(), name="api-report-summary"),
    path("", include(router.urls)),
]
