from django.contrib.auth.models import AbstractUser
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords
from treebeard.mp_tree import MP_Node


class Organization(MP_Node):
    """A unit in the organization tree (region → league/city → banner/county → township → village;
    agencies and training institutions hang under any level)."""

    class Kind(models.TextChoices):
        REGION = "region", _("Region / province")
        LEAGUE_CITY = "league_city", _("League / city")
        BANNER_COUNTY = "banner_county", _("Banner / county / district")
        TOWNSHIP = "township", _("Township / sub-district")
        VILLAGE = "village", _("Village / community")
        AGENCY = "agency", _("Agency")
        INSTITUTION = "institution", _("Training institution")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(
        _("code"),
        max_length=32,
        unique=True,
        validators=[RegexValidator(r"^[A-Za-z0-9_-]+$", _("Use letters, digits, '-' or '_' only."))],
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["numchild"])

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self):
        return self.name


phone_validator = RegexValidator(r"^1[3-9]\d{9}$", _("Enter an 11-digit mainland mobile number."))


class User(AbstractUser):
    """A person. Holds no national ID number, by design."""

    first_name = None
    last_name = None
    display_name = models.CharField(_("name"), max_length=50)
    employee_number = models.CharField(_("employee number"), max_length=32, unique=True, null=True, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=11, blank=True, validators=[phone_validator])
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="members",
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)

    REQUIRED_FIELDS = ["display_name"]

    history = HistoricalRecords(excluded_fields=["password", "last_login"])

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self):
        return self.display_name or self.username

    def get_full_name(self):
        return self.display_name or self.username

    def get_short_name(self):
        return self.display_name or self.username


class Role(models.Model):
    """A user's role at an organization; it covers that organization's whole subtree."""

    class Kind(models.TextChoices):
        TRAINEE = "trainee", _("Trainee")
        ORGANIZER = "organizer", _("Organizer")
        AUDITOR = "auditor", _("Auditor")
        ADMIN = "admin", _("Administrator")

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="roles")
    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.PROTECT, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=16, choices=Kind.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["user", "organization", "role"], name="role_unique_per_user_org"),
        ]
        indexes = [models.Index(fields=["user", "role"])]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.organization}"


class RosterImport(models.Model):
    """An uploaded roster: validated first (the dry run), applied only on confirmation."""

    class Status(models.TextChoices):
        INVALID = "invalid", _("Has errors")
        VALIDATED = "validated", _("Ready to import")
        QUEUED = "queued", _("Queued")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="roster_imports")
    created_at = models.DateTimeField(auto_now_add=True)
    file_name = models.CharField(max_length=255)
    content = models.BinaryField()
    password_hash = models.CharField(max_length=128)
    status = models.CharField(max_length=16, choices=Status.choices)
    total_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    # Row-level problems as [{"row": 3, "column": "单位编码", "message": "..."}].
    errors = models.JSONField(default=list)
    preview = models.JSONField(default=list)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
