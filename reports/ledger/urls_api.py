from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import apis

router = DefaultRouter()
router.include_root_view = False  # /api/v1/ belongs to no one app
router.register("findings", apis.FindingViewSet, basename="finding")

urlpatterns = [path("", include(router.urls))]
