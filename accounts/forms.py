"""Forms of the account pages. They validate input; writes go through services."""
import re

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.password_validation import password_validators_help_text_html, validate_password
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from backend.errors import ApplicationError

from . import roster, services
from .models import Organization, Role


class LoginForm(auth_forms.AuthenticationForm):
    """Django's login form, with hints for phone keyboards and password managers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Login name")
        self.fields["username"].widget.attrs.update(
            {"autocapitalize": "none", "autocorrect": "off", "spellcheck": "false", "autocomplete": "username"}
        )
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Checks the old password and the new one against the password validators;
    the change itself (and clearing `must_change_password`) is `services.user_change_password`."""

    def save(self, commit=True):
        try:
            return services.user_change_password(
                user=self.user,
                old_password=self.cleaned_data["old_password"],
                new_password=self.cleaned_data["new_password1"],
            )
        except ApplicationError as exc:
            self.add_error("old_password", exc.message)
            raise


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx)"),
        widget=forms.ClearableFileInput(
            attrs={"accept": ".xlsx,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
        ),
    )
    initial_password = forms.CharField(
        label=_("Initial password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Everyone imported logs in with it once, then must change it."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.password_rules = password_validators_help_text_html()

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > roster.MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB."), params={"mb": roster.MAX_BYTES // (1024 * 1024)}
            )
        return upload

    def clean_initial_password(self):
        password = self.cleaned_data["initial_password"]
        validate_password(password)
        return password


_SEARCH_SPLIT = re.compile(r"[\s,，]+")
SEARCH_FIELDS = ("display_name", "employee_number", "phone", "username")


class UserFilterForm(forms.Form):
    """The user list's filters. Parameter names and meaning match `/api/v1/users/` (and its
    export), so the page can hand the same query string to the export."""

    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.SearchInput(attrs={"placeholder": _("Name, employee number or phone"), "autocomplete": "off"}),
    )
    organization = forms.TypedChoiceField(
        label=_("Organization (with its units)"), required=False, coerce=int, empty_value=None
    )
    role = forms.ChoiceField(label=_("Role"), required=False, choices=[("", _("All roles")), *Role.Kind.choices])

    def __init__(self, *args, organizations: QuerySet[Organization], **kwargs):
        super().__init__(*args, **kwargs)
        # One query, used both for the options and to look the chosen one up.
        self.organizations = {o.pk: o for o in organizations}
        base_depth = min((o.depth for o in self.organizations.values()), default=1)
        self.fields["organization"].choices = [("", _("All organizations"))] + [
            # Ideographic spaces indent each unit under its parent.
            (o.pk, "\u3000" * (o.depth - base_depth) + o.name)
            for o in self.organizations.values()
        ]

    def filter(self, queryset: QuerySet) -> QuerySet:
        """Narrow an already scoped user queryset (from `selectors.user_list`)."""
        if not self.is_valid():
            return queryset.none()
        data = self.cleaned_data
        for term in _SEARCH_SPLIT.split(data["search"].strip()):
            if term:
                q = Q()
                for name in SEARCH_FIELDS:
                    q |= Q(**{f"{name}__icontains": term})
                queryset = queryset.filter(q)
        if data["organization"]:
            root = self.organizations[data["organization"]]
            queryset = queryset.filter(organization__path__startswith=root.path)
        if data["role"]:
            queryset = queryset.filter(pk__in=Role.objects.filter(role=data["role"]).values("user_id"))
        return queryset

    def export_params(self) -> dict[str, str]:
        """The filters as `/api/v1/users/export/` reads them."""
        if not self.is_valid():
            return {}
        data = self.cleaned_data
        params = {}
        if data["search"].strip():
            params["search"] = data["search"].strip()
        if data["organization"]:
            params["organization"] = str(data["organization"])
        if data["role"]:
            params["role"] = data["role"]
        return params

    @property
    def is_filtered(self) -> bool:
        return bool(self.export_params())

