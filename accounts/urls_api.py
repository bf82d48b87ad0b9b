from django.urls import include, path
from rest_framework.routers import DefaultRouter

from . import apis

router = DefaultRouter()
router.register("orgs", apis.OrganizationViewSet, basename="org")
router.register("users", apis.UserViewSet, basename="user")
router.register("roles/history", apis.RoleHistoryApi, basename="role-history")
router.register("roles", apis.RoleViewSet, basename="role")
router.register("user-imports", apis.RosterImportViewSet, basename="user-import")

urlpatterns = [
    path("auth/token/", apis.AuthTokenApi.as_view(), name="api-token"),
    path("me/", apis.MeApi.as_view(), name="api-me"),
    path("me/password/", apis.MePasswordApi.as_view(), name="api-me-password"),
    path("", include(router.urls)),
]
