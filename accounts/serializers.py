"""Input and output shapes of the accounts API. No logic here: services decide."""
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from .models import Organization, Role, RosterImport, User


class OrganizationOutput(serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Organization
        fields = ["id", "name", "code", "kind", "kind_label", "parent", "depth", "numchild"]


class OrganizationCreateInput(serializers.Serializer):
    parent = serializers.IntegerField(required=False, allow_null=True)
    name = serializers.CharField(max_length=100)
    code = serializers.RegexField(r"^[A-Za-z0-9_-]+$", max_length=32)
    kind = serializers.ChoiceField(choices=Organization.Kind.choices)

    def validate_code(self, value):
        if Organization.objects.filter(code=value).exists():
            raise serializers.ValidationError(_("This code is already used."), code="unique")
        return value


class OrganizationUpdateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100, required=False)
    code = serializers.RegexField(r"^[A-Za-z0-9_-]+$", max_length=32, required=False)
    kind = serializers.ChoiceField(choices=Organization.Kind.choices, required=False)

    def validate_code(self, value):
        organization = self.context["organization"]
        if Organization.objects.filter(code=value).exclude(pk=organization.pk).exists():
            raise serializers.ValidationError(_("This code is already used."), code="unique")
        return value


class OrganizationBrief(serializers.ModelSerializer):
    class Meta:
        model = Organization
        fields = ["id", "name", "code"]


class RoleBrief(serializers.ModelSerializer):
    organization = OrganizationBrief(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Role
        fields = ["id", "role", "role_label", "organization"]


class UserOutput(serializers.ModelSerializer):
    organization = OrganizationBrief(read_only=True)
    roles = RoleBrief(many=True, read_only=True)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "employee_number",
            "phone",
            "organization",
            "is_active",
            "roles",
        ]


class UserCreateInput(serializers.Serializer):
    username = serializers.RegexField(r"^[\w.@+-]+$", max_length=150)
    display_name = serializers.CharField(max_length=50)
    employee_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    phone = serializers.RegexField(r"^1[3-9]\d{9}$", required=False, allow_blank=True)
    organization = serializers.PrimaryKeyRelatedField(pk_field=serializers.IntegerField(), queryset=Organization.objects.none())
    password = serializers.CharField(write_only=True)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations

    def validate_password(self, value):
        validate_password(value)
        return value


class UserUpdateInput(serializers.Serializer):
    display_name = serializers.CharField(max_length=50, required=False)
    employee_number = serializers.CharField(max_length=32, required=False, allow_blank=True)
    phone = serializers.RegexField(r"^1[3-9]\d{9}$", required=False, allow_blank=True)
    organization = serializers.PrimaryKeyRelatedField(pk_field=serializers.IntegerField(), queryset=Organization.objects.none(), required=False)
    is_active = serializers.BooleanField(required=False)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class RoleOutput(serializers.ModelSerializer):
    user = serializers.SerializerMethodField()
    organization = OrganizationBrief(read_only=True)
    role_label = serializers.CharField(source="get_role_display", read_only=True)

    class Meta:
        model = Role
        fields = ["id", "user", "organization", "role", "role_label", "created_at"]

    def get_user(self, role) -> dict:
        return {"id": role.user_id, "display_name": role.user.display_name, "username": role.user.username}


class RoleCreateInput(serializers.Serializer):
    user = serializers.PrimaryKeyRelatedField(pk_field=serializers.IntegerField(), queryset=User.objects.none())
    organization = serializers.PrimaryKeyRelatedField(pk_field=serializers.IntegerField(), queryset=Organization.objects.none())
    role = serializers.ChoiceField(choices=Role.Kind.choices)

    def __init__(self, *args, users=None, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = users
        self.fields["organization"].queryset = organizations


class RoleHistoryOutput(serializers.Serializer):
    id = serializers.IntegerField(source="history_id")
    role_id = serializers.IntegerField(source="id")
    action = serializers.SerializerMethodField()
    role = serializers.CharField()
    user = serializers.SerializerMethodField()
    organization = serializers.SerializerMethodField()
    changed_by = serializers.SerializerMethodField()
    changed_at = serializers.DateTimeField(source="history_date")

    def get_action(self, record) -> str:
        return {"+": "granted", "~": "changed", "-": "revoked"}[record.history_type]

    def get_user(self, record) -> dict | None:
        user = record.user
        return {"id": record.user_id, "display_name": user.display_name} if user else {"id": record.user_id}

    def get_organization(self, record) -> dict | None:
        org = record.organization
        return {"id": record.organization_id, "name": org.name, "code": org.code} if org else None

    def get_changed_by(self, record) -> dict | None:
        user = record.history_user
        return {"id": user.pk, "display_name": user.display_name, "username": user.username} if user else None


class PasswordChangeInput(serializers.Serializer):
    old_password = serializers.CharField()
    new_password = serializers.CharField()

    def validate_new_password(self, value):
        validate_password(value, self.context.get("user"))
        return value


class RosterImportInput(serializers.Serializer):
    file = serializers.FileField(allow_empty_file=True)  # an empty file gets our own "file_empty"
    initial_password = serializers.CharField(help_text=_("Everyone imported logs in with it once, then must change it."))

    def validate_initial_password(self, value):
        validate_password(value)
        return value


class RosterImportOutput(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = RosterImport
        fields = [
            "id",
            "file_name",
            "status",
            "status_label",
            "total_rows",
            "created_count",
            "errors",
            "preview",
            "created_at",
            "finished_at",
        ]


class CapabilityOutput(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    description = serializers.CharField()
    url = serializers.CharField(allow_null=True)


class MeOutput(serializers.Serializer):
    """The shape of `GET /api/v1/me/` (documentation; the view builds it directly)."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()
    employee_number = serializers.CharField(allow_null=True)
    phone = serializers.CharField()
    organization = OrganizationBrief(allow_null=True)
    is_superuser = serializers.BooleanField()
    must_change_password = serializers.BooleanField()
    roles = RoleBrief(many=True)
    capabilities = CapabilityOutput(many=True)
