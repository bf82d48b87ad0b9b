from django.urls import path

from . import dashboard, views

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="report-dashboard"),
    path("reports/", views.reports_page, name="reports"),
    path("reports/files/<int:pk>/", views.job_download, name="report-file"),
]
