from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from . import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/", include("accounts.urls_api")),
    path("api/v1/", include("courses.urls_api")),
    path("api/v1/", include("exams.urls_api")),
    path("api/v1/", include("certificates.urls_api")),
    path("api/v1/", include("reports.ledger.urls_api")),
    path("api/v1/", include("reports.urls_api")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("certificates.urls")),
    path("", include("reports.ledger.urls")),
    path("", include("reports.urls")),
    path("", include("courses.urls")),
    path("", include("exams.urls_trainee")),
    path("", include("exams.urls_staff")),
    path("", include("accounts.urls")),
]
