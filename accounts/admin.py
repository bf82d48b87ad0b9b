"""The Django admin, for system administrators (superusers) only: it knows nothing of scope."""
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin
from treebeard.admin import TreeAdmin
from treebeard.forms import movenodeform_factory

from .models import Organization, Role, RosterImport, User


class SuperuserOnly:
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


@admin.register(Organization)
class OrganizationAdmin(SuperuserOnly, TreeAdmin, SimpleHistoryAdmin):
    form = movenodeform_factory(Organization)
    list_display = ["name", "code", "kind"]
    search_fields = ["name", "code"]


class RoleInline(admin.TabularInline):
    model = Role
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(User)
class UserAdmin(SuperuserOnly, BaseUserAdmin, SimpleHistoryAdmin):
    list_display = ["username", "display_name", "employee_number", "organization", "is_active"]
    list_select_related = ["organization"]
    search_fields = ["username", "display_name", "employee_number", "phone"]
    ordering = ["username"]
    autocomplete_fields = ["organization"]
    inlines = [RoleInline]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Personal information"), {"fields": ["display_name", "employee_number", "phone", "organization", "email"]}),
        (_("Permissions"), {"fields": ["is_active", "is_staff", "is_superuser", "must_change_password"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["username", "display_name", "password1", "password2"]})]


@admin.register(Role)
class RoleAdmin(SuperuserOnly, SimpleHistoryAdmin):
    list_display = ["user", "role", "organization", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "organization"]
    autocomplete_fields = ["user", "organization"]


@admin.register(RosterImport)
class RosterImportAdmin(SuperuserOnly, admin.ModelAdmin):
    list_display = ["id", "file_name", "created_by", "status", "total_rows", "created_count", "created_at"]
    list_select_related = ["created_by"]
    exclude = ["content", "password_hash"]
    readonly_fields = ["file_name", "created_by", "status", "total_rows", "created_count", "errors", "preview", "finished_at"]

    def has_add_permission(self, request):
        return False
