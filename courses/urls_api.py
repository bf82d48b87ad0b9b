from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import apis
from .training import apis as training

router = DefaultRouter()
router.register("documents", apis.DocumentViewSet, basename="document")
router.register("document-imports", apis.DocumentImportViewSet, basename="document-import")
router.register("sections", apis.SectionViewSet, basename="section")
router.register("courses", apis.CourseViewSet, basename="course")
router.register("classes", training.ClassViewSet, basename="class")

# Under classes/{class_pk}/: the timetable and the roster.
class_router = DefaultRouter(trailing_slash=True)
class_router.include_root_view = False
class_router.register("sessions", training.SessionViewSet, basename="class-session")
class_router.register("enrollments", training.EnrollmentViewSet, basename="class-enrollment")

urlpatterns = [
    path("study/heartbeat/", apis.StudyHeartbeatApi.as_view(), name="api-study-heartbeat"),
    path("classes/<int:class_pk>/", include(class_router.urls)),
    path("sessions/<int:pk>/attendance/", training.SessionAttendanceApi.as_view(), name="api-session-attendance"),
    path("sessions/<int:pk>/checkin-display/", training.SessionCheckinDisplayApi.as_view(), name="api-session-checkin-display"),
    path("sessions/<int:pk>/checkin/open/", training.SessionCheckinToggleApi.as_view(), {"state": "open"}, name="api-session-checkin-open"),
    path("sessions/<int:pk>/checkin/close/", training.SessionCheckinToggleApi.as_view(), {"state": "close"}, name="api-session-checkin-close"),
    path("checkin/", training.CheckinApi.as_view(), name="api-checkin"),
    path("", include(router.urls)),
]
