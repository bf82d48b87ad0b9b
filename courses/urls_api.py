from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import apis

router = DefaultRouter()
router.register("documents", apis.DocumentViewSet, basename="document")
router.register("document-imports", apis.DocumentImportViewSet, basename="document-import")
router.register("sections", apis.SectionViewSet, basename="section")
router.register("courses", apis.CourseViewSet, basename="course")

urlpatterns = [
    path("study/heartbeat/", apis.StudyHeartbeatApi.as_view(), name="api-study-heartbeat"),
    path("", include(router.urls)),
]
