"""The accounts API: thin views over selectors (reads) and services (writes)."""
import io

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from openpyxl import Workbook
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from backend.errors import ApplicationError

from . import roster, scope, selectors, services
from .capabilities import capabilities_for
from .models import Organization, Role, RosterImport
from .serializers import (
    OrganizationCreateInput,
    OrganizationOutput,
    OrganizationUpdateInput,
    MeOutput,
    PasswordChangeInput,
    RoleCreateInput,
    RoleHistoryOutput,
    RoleOutput,
    RosterImportInput,
    RosterImportOutput,
    UserCreateInput,
    UserOutput,
    UserUpdateInput,
)


class AuthTokenApi(ObtainAuthToken):
    """POST username and password; get a token for `Authorization: Token …`."""

    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"
    permission_classes = [AllowAny]

    def get_serializer_context(self):
        # Axes marks a locked-out login on the request it is given; hand it Django's own
        # request so that its middleware sees the mark and answers 429.
        return {**super().get_serializer_context(), "request": self.request._request}


class MeApi(APIView):
    """Who the caller is, their roles and what they can do here. Two queries: the token with
    the user and their organization, then the roles (which also answer the scope questions)."""

    @extend_schema(responses=MeOutput)
    def get(self, request):
        user = request.user
        roles = list(Role.objects.filter(user=user).select_related("organization").order_by("id"))
        scope.remember_roles(user, [(r.role, r.organization.path) for r in roles])
        org = user.organization
        return Response(
            {
                "id": user.pk,
                "username": user.username,
                "display_name": user.display_name,
                "employee_number": user.employee_number,
                "phone": user.phone,
                "organization": {"id": org.pk, "name": org.name, "code": org.code} if org else None,
                "is_superuser": user.is_superuser,
                "must_change_password": user.must_change_password,
                "roles": [
                    {
                        "id": r.pk,
                        "role": r.role,
                        "role_label": r.get_role_display(),
                        "organization": {"id": r.organization.pk, "name": r.organization.name, "code": r.organization.code},
                    }
                    for r in roles
                ],
                "capabilities": capabilities_for(user),
            }
        )


class MePasswordApi(APIView):
    @extend_schema(request=PasswordChangeInput, responses={204: None})
    def post(self, request):
        data = PasswordChangeInput(data=request.data, context={"user": request.user})
        data.is_valid(raise_exception=True)
        services.user_change_password(user=request.user, **data.validated_data)
        Token.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class OrganizationFilter(filters.FilterSet):
    kind = filters.ChoiceFilter(choices=Organization.Kind.choices)
    parent = filters.NumberFilter(method="filter_parent", label="parent id: direct children of")
    within = filters.NumberFilter(method="filter_within", label="organization id: its whole subtree")

    def filter_parent(self, queryset, name, value):
        return queryset.filter(parent_id=value)

    def filter_within(self, queryset, name, value):
        root = queryset.filter(pk=value).first()
        return queryset.filter(path__startswith=root.path) if root else queryset.none()


class OrganizationViewSet(viewsets.ModelViewSet):
    """The organization tree: everyone reads the subtrees of their roles; administrators change it."""

    serializer_class = OrganizationOutput
    filterset_class = OrganizationFilter
    search_fields = ["name", "code"]
    ordering_fields = ["path", "name", "code"]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return selectors.organization_list(user=self.request.user)

    @extend_schema(request=OrganizationCreateInput, responses={201: OrganizationOutput})
    def create(self, request):
        data = OrganizationCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        parent_id = data.validated_data.pop("parent", None)
        parent = None
        if parent_id is not None:
            parent = self.get_queryset().filter(pk=parent_id).first()
            if parent is None:
                raise ApplicationError("not_found", _("Parent organization not found."), status_code=404)
        org = services.organization_create(actor=request.user, parent=parent, **data.validated_data)
        return Response(OrganizationOutput(self.get_queryset().get(pk=org.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=OrganizationUpdateInput, responses=OrganizationOutput)
    def partial_update(self, request, pk=None):
        org = self.get_object()
        data = OrganizationUpdateInput(data=request.data, partial=True, context={"organization": org})
        data.is_valid(raise_exception=True)
        services.organization_update(actor=request.user, organization=org, **data.validated_data)
        return Response(OrganizationOutput(self.get_queryset().get(pk=org.pk)).data)

    def destroy(self, request, pk=None):
        services.organization_delete(actor=request.user, organization=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class UserFilter(filters.FilterSet):
    organization = filters.NumberFilter(method="filter_organization", label="organization id: people in its subtree")
    role = filters.ChoiceFilter(choices=Role.Kind.choices, method="filter_role")
    is_active = filters.BooleanFilter()

    def filter_organization(self, queryset, name, value):
        org = selectors.organization_list(user=self.request.user).filter(pk=value).first()
        return queryset.filter(organization__path__startswith=org.path) if org else queryset.none()

    def filter_role(self, queryset, name, value):
        return queryset.filter(pk__in=Role.objects.filter(role=value).values("user_id"))


EXPORT_COLUMNS = [roster.COL_NAME, roster.COL_NUMBER, roster.COL_PHONE, roster.COL_ORG, roster.COL_ROLE, "单位名称"]


class UserViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.GenericViewSet
):
    serializer_class = UserOutput
    filterset_class = UserFilter
    search_fields = ["display_name", "employee_number", "phone", "username"]
    ordering_fields = ["employee_number", "display_name", "id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return selectors.user_list(user=self.request.user)

    def _organizations(self):
        return scope.organizations_in_scope(self.request.user, scope.MANAGER_ROLES)

    @extend_schema(request=UserCreateInput, responses={201: UserOutput})
    def create(self, request):
        data = UserCreateInput(data=request.data, organizations=self._organizations())
        data.is_valid(raise_exception=True)
        user = services.user_create(actor=request.user, **data.validated_data)
        return Response(UserOutput(self.get_queryset().get(pk=user.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=UserUpdateInput, responses=UserOutput)
    def partial_update(self, request, pk=None):
        user = self.get_object()
        data = UserUpdateInput(data=request.data, partial=True, organizations=self._organizations())
        data.is_valid(raise_exception=True)
        services.user_update(actor=request.user, user=user, **data.validated_data)
        return Response(UserOutput(self.get_queryset().get(pk=user.pk)).data)

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered list as an Excel roster, in the import's own columns."""
        users = self.filter_queryset(self.get_queryset())
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("roster")
        sheet.append(EXPORT_COLUMNS)
        for user in users.iterator(chunk_size=1000):
            roles = "、".join(sorted({str(r.get_role_display()) for r in user.roles.all()}))
            org = user.organization
            sheet.append(
                [user.display_name, user.employee_number or "", user.phone, org.code if org else "", roles, org.name if org else ""]
            )
        buffer = io.BytesIO()
        workbook.save(buffer)
        name = f"roster-{timezone.localdate():%Y%m%d}.xlsx"
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


class RoleFilter(filters.FilterSet):
    role = filters.ChoiceFilter(choices=Role.Kind.choices)
    user = filters.NumberFilter(field_name="user_id")
    organization = filters.NumberFilter(field_name="organization_id")


class RoleViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet
):
    serializer_class = RoleOutput
    filterset_class = RoleFilter
    ordering_fields = ["created_at", "role"]

    def get_queryset(self):
        return selectors.role_list(user=self.request.user)

    @extend_schema(request=RoleCreateInput, responses={201: RoleOutput})
    def create(self, request):
        data = RoleCreateInput(
            data=request.data,
            users=selectors.user_list(user=request.user),
            organizations=scope.organizations_in_scope(request.user, scope.MANAGER_ROLES),
        )
        data.is_valid(raise_exception=True)
        role = services.role_grant(actor=request.user, **data.validated_data)
        return Response(RoleOutput(self.get_queryset().get(pk=role.pk)).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, pk=None):
        services.role_revoke(actor=request.user, role=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class RoleHistoryApi(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Every grant and revocation of a role in the caller's scope: who, when, what (auditors, administrators)."""

    serializer_class = RoleHistoryOutput
    filter_backends = []

    def get_queryset(self):
        return selectors.role_history_list(user=self.request.user)


class RosterImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Upload a roster (a dry run that shows what would be created and every row error), then confirm it."""

    serializer_class = RosterImportOutput
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = []

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return RosterImport.objects.none()
        return selectors.roster_import_list(user=self.request.user)

    @extend_schema(request=RosterImportInput, responses={201: RosterImportOutput})
    def create(self, request):
        data = RosterImportInput(data=request.data)
        data.is_valid(raise_exception=True)
        upload = data.validated_data["file"]
        if upload.size > roster.MAX_BYTES:
            raise ApplicationError("file_too_large", _("The file is larger than %(mb)d MB.") % {"mb": roster.MAX_BYTES // 2**20})
        job = roster.roster_import_create(
            actor=request.user,
            file_name=upload.name,
            content=upload.read(),
            initial_password=data.validated_data["initial_password"],
        )
        return Response(RosterImportOutput(job).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={202: RosterImportOutput})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        job = roster.roster_import_confirm(actor=request.user, roster_import=self.get_object())
        job.refresh_from_db()
        return Response(RosterImportOutput(job).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): bytes})
    @action(detail=False, methods=["get"])
    def template(self, request):
        """An empty roster with the expected column names and one example row."""
        workbook = Workbook()
        sheet = workbook.active
        sheet.append(EXPORT_COLUMNS[:5])
        sheet.append(["张三", "10001", "13800000000", "ORG-CODE", "学员"])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
        response["Content-Disposition"] = 'attachment; filename="roster-template.xlsx"'
        return response
