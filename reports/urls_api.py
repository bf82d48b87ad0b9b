from django.urls import path

from . import apis

urlpatterns = [
    path("reports/compliance/", apis.ComplianceReportApi.as_view(), name="api-report-compliance"),
    path("reports/compliance/export/", apis.ComplianceExportApi.as_view(), name="api-report-compliance-export"),
    path("reports/statistics/", apis.StatisticsReportApi.as_view(), name="api-report-statistics"),
    path("reports/summary/", apis.SummaryReportApi.as_view(), name="api-report-summary"),
]
