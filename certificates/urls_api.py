from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import apis

router = DefaultRouter()
router.register("certificate-templates", apis.TemplateViewSet, basename="certificate-template")
router.register("certificates", apis.CertificateViewSet, basename="certificate")
router.register("transcripts", apis.TranscriptViewSet, basename="transcript")

urlpatterns = [
    path("classes/<int:pk>/certificates/", apis.ClassCertificatesApi.as_view(), name="api-class-certificates"),
    path("classes/<int:pk>/certificates/run/", apis.ClassCertificateRunApi.as_view(), name="api-class-certificate-run"),
    path("classes/<int:pk>/certificates/criteria/", apis.ClassCertificateCriteriaApi.as_view(), name="api-class-certificate-criteria"),
    path("classes/<int:pk>/certificates/zip/", apis.ClassCertificatesZipApi.as_view(), name="api-class-certificates-zip"),
    path("verify/<str:code>/", apis.VerifyApi.as_view(), name="api-verify"),
    path("", include(router.urls)),
]
