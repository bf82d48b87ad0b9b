"""Roster import from Excel: columns 姓名, 工号, 手机, 单位编码, 角色.

`roster_validate` is the dry run: it reads the whole sheet, checks every row against
the file itself, the database and the caller's scope, and returns the rows it would
create or the problems it found (row, column, message). `roster_apply` writes all
rows in one transaction or none.
"""
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from simple_history.utils import bulk_create_with_history

from backend.errors import ApplicationError

from . import scope, services
from .models import Organization, Role, RosterImport, User, phone_validator

MAX_ROWS = 10_000
MAX_BYTES = 10 * 1024 * 1024

COL_NAME, COL_NUMBER, COL_PHONE, COL_ORG, COL_ROLE = "姓名", "工号", "手机", "单位编码", "角色"
HEADER_ALIASES = {
    COL_NAME: {"姓名", "name", "display_name"},
    COL_NUMBER: {"工号", "employee_number", "员工号", "职工号"},
    COL_PHONE: {"手机", "手机号", "手机号码", "phone", "mobile"},
    COL_ORG: {"单位编码", "org_code", "organization_code", "单位代码"},
    COL_ROLE: {"角色", "role"},
}
REQUIRED_COLUMNS = (COL_NAME, COL_NUMBER, COL_ORG)
ROLE_WORDS = {
    "学员": Role.Kind.TRAINEE,
    "trainee": Role.Kind.TRAINEE,
    "组织者": Role.Kind.ORGANIZER,
    "organizer": Role.Kind.ORGANIZER,
    "督查": Role.Kind.AUDITOR,
    "审计": Role.Kind.AUDITOR,
    "督查/审计": Role.Kind.AUDITOR,
    "auditor": Role.Kind.AUDITOR,
    "管理员": Role.Kind.ADMIN,
    "admin": Role.Kind.ADMIN,
}


@dataclass
class RosterCheck:
    rows: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    total_rows: int = 0


def cell_text(value) -> str:
    """Excel gives numbers for digit-only cells (工号 10001, 手机 13800000000): read them as text."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value))  # full-width digits and letters to half-width
    return text.strip()


def row_error(row: int, column: str, message: str) -> dict:
    return {"row": row, "column": column, "message": message}


def open_first_sheet(content: bytes):
    """The first sheet of an .xlsx, opened read-only with cached values. Raises an ApplicationError
    when the upload is empty, too large, not a workbook or has no sheet; other importers reuse it."""
    if not content:
        raise ApplicationError("file_empty", _("The file is empty."))
    if len(content) > MAX_BYTES:
        raise ApplicationError(
            "file_too_large", _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES // (1024 * 1024)}
        )
    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError):
        raise ApplicationError(
            "not_excel",
            _("The file is not an Excel workbook (.xlsx). Save it as .xlsx in Excel or WPS and upload it again."),
        )
    sheet = workbook.worksheets[0] if workbook.worksheets else None
    if sheet is None:
        raise ApplicationError("sheet_empty", _("The workbook has no sheet."))
    return sheet


def read_sheet(
    content: bytes, *, aliases: dict[str, set[str]] = HEADER_ALIASES, required: tuple[str, ...] = REQUIRED_COLUMNS
) -> tuple[dict[str, int], list[tuple[int, list]]]:
    """The first sheet of an .xlsx as ({column: index}, [(excel row, values)]), blank rows skipped.
    Raises an ApplicationError naming what is wrong with the file or its header row."""
    rows = open_first_sheet(content).iter_rows(values_only=True)
    header = next(rows, None)
    if header is None or not any(cell_text(c) for c in header):
        raise ApplicationError("sheet_empty", _("The first sheet is empty: row 1 must hold the column names."))
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        title = cell_text(cell).lower()
        for column, names in aliases.items():
            if title in names and column not in columns:
                columns[column] = index
    missing = [c for c in required if c not in columns]
    if missing:
        raise ApplicationError(
            "missing_columns",
            _("Row 1 lacks the column(s) %(columns)s.") % {"columns": "、".join(missing)},
            errors=[row_error(1, c, _("Column missing.")) for c in missing],
        )
    body = []
    for excel_row, values in enumerate(rows, start=2):
        values = list(values)
        if not any(cell_text(v) for v in values):
            continue  # blank lines between or after the data
        body.append((excel_row, values))
        if len(body) > MAX_ROWS:
            raise ApplicationError(
                "too_many_rows", _("The sheet has more than %(max)d rows; split it into several files.") % {"max": MAX_ROWS}
            )
    if not body:
        raise ApplicationError("sheet_empty", _("The sheet has column names but no rows of people."))
    return columns, body


def roster_validate(*, actor: User, content: bytes) -> RosterCheck:
    columns, body = read_sheet(content)

    def get(values, column):
        index = columns.get(column)
        return cell_text(values[index]) if index is not None and index < len(values) else ""

    parsed = [
        (
            row,
            {
                "display_name": get(values, COL_NAME),
                "employee_number": get(values, COL_NUMBER),
                "phone": get(values, COL_PHONE),
                "org_code": get(values, COL_ORG),
                "role_word": get(values, COL_ROLE),
            },
        )
        for row, values in body
    ]
    codes = {p["org_code"] for _, p in parsed if p["org_code"]}
    numbers = {p["employee_number"] for _, p in parsed if p["employee_number"]}
    # Only organizations the caller may see can be named; others read as unknown.
    orgs = {o.code: o for o in scope.organizations_in_scope(actor).filter(code__in=codes)}
    taken: set[str] = set()
    number_list = list(numbers)
    for start in range(0, len(number_list), 500):
        chunk = number_list[start : start + 500]
        taken.update(User.objects.filter(employee_number__in=chunk).values_list("employee_number", flat=True))
        taken.update(User.objects.filter(username__in=chunk).values_list("username", flat=True))

    check = RosterCheck(total_rows=len(parsed))
    first_seen: dict[str, int] = {}
    for row, p in parsed:
        errors = []
        name, number = p["display_name"], p["employee_number"]
        if not name:
            errors.append(row_error(row, COL_NAME, _("Name is empty.")))
        elif len(name) > 50:
            errors.append(row_error(row, COL_NAME, _("Name is longer than 50 characters.")))
        if not number:
            errors.append(row_error(row, COL_NUMBER, _("Employee number is empty.")))
        elif len(number) > 32 or any(c.isspace() for c in number):
            errors.append(row_error(row, COL_NUMBER, _("Employee number must be at most 32 characters without spaces.")))
        elif number in first_seen:
            errors.append(
                row_error(row, COL_NUMBER, _("Employee number %(number)s repeats row %(first)d.") % {"number": number, "first": first_seen[number]})
            )
        elif number in taken:
            errors.append(row_error(row, COL_NUMBER, _("Employee number %(number)s already exists.") % {"number": number}))
        if number and number not in first_seen:
            first_seen[number] = row
        if p["phone"]:
            try:
                phone_validator(p["phone"])
            except Exception:
                errors.append(row_error(row, COL_PHONE, _("%(phone)s is not an 11-digit mobile number.") % {"phone": p["phone"]}))
        org = orgs.get(p["org_code"])
        if not p["org_code"]:
            errors.append(row_error(row, COL_ORG, _("Organization code is empty.")))
        elif org is None:
            errors.append(row_error(row, COL_ORG, _("Unknown organization code %(code)s.") % {"code": p["org_code"]}))
        role = ROLE_WORDS.get(p["role_word"].lower() if p["role_word"] else "学员")
        if role is None:
            errors.append(
                row_error(row, COL_ROLE, _("Unknown role %(word)s: use 学员, 组织者, 督查 or 管理员.") % {"word": p["role_word"]})
            )
        elif org is not None and not services.can_grant(actor, org, role):
            errors.append(
                row_error(row, COL_ROLE, _("You cannot grant the role %(role)s at %(org)s.") % {"role": Role.Kind(role).label, "org": org.name})
            )
        if errors:
            check.errors.extend(errors)
        else:
            check.rows.append(
                {
                    "row": row,
                    "display_name": name,
                    "employee_number": number,
                    "phone": p["phone"],
                    "org_code": org.code,
                    "org_name": org.name,
                    "role": role,
                    "role_label": str(Role.Kind(role).label),
                }
            )
    return check


PREVIEW_ROWS = 200


@transaction.atomic
def roster_import_create(*, actor: User, file_name: str, content: bytes, initial_password: str) -> RosterImport:
    """The dry run, recorded: what would be created and every problem found. Nothing else is written."""
    if not scope.has_any_role(actor, scope.MANAGER_ROLES):
        raise ApplicationError("permission_denied", _("Only organizers and administrators can import rosters."), status_code=403)
    check = roster_validate(actor=actor, content=content)
    return RosterImport.objects.create(
        created_by=actor,
        file_name=file_name[:255],
        content=content,
        password_hash=services.password_hash_for_import(initial_password),
        status=RosterImport.Status.INVALID if check.errors else RosterImport.Status.VALIDATED,
        total_rows=check.total_rows,
        errors=check.errors,
        preview=check.rows[:PREVIEW_ROWS],
    )


@transaction.atomic
def roster_import_confirm(*, actor: User, roster_import: RosterImport) -> RosterImport:
    """Queue a validated import; the work happens in `roster_import_apply` (a Celery task)."""
    from .tasks import roster_import_apply_task

    locked = RosterImport.objects.select_for_update().get(pk=roster_import.pk)
    if locked.created_by_id != actor.pk:
        raise ApplicationError("not_found", _("Not found."), status_code=404)
    if locked.status != RosterImport.Status.VALIDATED:
        raise ApplicationError(
            "import_not_ready",
            _("This import cannot be started: its status is %(status)s.") % {"status": locked.get_status_display()},
        )
    locked.status = RosterImport.Status.QUEUED
    locked.save(update_fields=["status"])
    transaction.on_commit(lambda: roster_import_apply_task.delay(locked.pk))
    return locked


def roster_import_apply(*, import_id: int) -> RosterImport:
    """Create every user and role of a queued import in one transaction, or none.

    The sheet is checked again first: the database may have changed since the dry run.
    Idempotent: an import that is no longer queued is left as it is, and a worker that dies
    midway rolls back, leaving it queued for the redelivered message.
    """
    try:
        with transaction.atomic():
            job = RosterImport.objects.select_for_update().select_related("created_by").get(pk=import_id)
            if job.status != RosterImport.Status.QUEUED:
                return job
            actor = job.created_by
            scope.forget_scope(actor)
            check = roster_validate(actor=actor, content=bytes(job.content))
            if check.errors:
                job.status = RosterImport.Status.INVALID
                job.errors = check.errors
                job.finished_at = timezone.now()
                job.save(update_fields=["status", "errors", "finished_at"])
                return job
            orgs = {o.code: o for o in Organization.objects.filter(code__in={r["org_code"] for r in check.rows})}
            users = [
                User(
                    username=r["employee_number"],
                    employee_number=r["employee_number"],
                    display_name=r["display_name"],
                    phone=r["phone"],
                    organization=orgs[r["org_code"]],
                    password=job.password_hash,
                    must_change_password=True,
                )
                for r in check.rows
            ]
            users = bulk_create_with_history(users, User, batch_size=500, default_user=actor)
            if any(u.pk is None for u in users):  # a backend that cannot return ids from a bulk insert
                by_number = dict(
                    User.objects.filter(employee_number__in=[u.employee_number for u in users]).values_list(
                        "employee_number", "pk"
                    )
                )
                for u in users:
                    u.pk = by_number[u.employee_number]
            roles = [
                Role(user_id=u.pk, organization=orgs[r["org_code"]], role=r["role"]) for u, r in zip(users, check.rows)
            ]
            bulk_create_with_history(roles, Role, batch_size=500, default_user=actor)
            job.status = RosterImport.Status.DONE
            job.created_count = len(users)
            job.finished_at = timezone.now()
            job.save(update_fields=["status", "created_count", "finished_at"])
            return job
    except ApplicationError as exc:  # the file itself became unreadable: say so on the import
        RosterImport.objects.filter(pk=import_id).update(
            status=RosterImport.Status.FAILED, errors=[row_error(0, "", exc.message)], finished_at=timezone.now()
        )
        return RosterImport.objects.get(pk=import_id)
