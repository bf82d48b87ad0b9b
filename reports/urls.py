from django.urls import path

from . import dashboard

urlpatterns = [
    path("dashboard/", dashboard.dashboard, name="report-dashboard"),
]
