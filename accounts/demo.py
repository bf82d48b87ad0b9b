"""The demo organization tree and people: a small region, written by the team for trying the system.

Idempotent: everything is looked up by its code or login name and created only when missing.
"""
from django.contrib.auth.hashers import make_password
from django.db import transaction

from .models import Organization, Role, User

K = Organization.Kind

# (code, name, kind, children)
TREE = (
    "NM", "内蒙古自治区", K.REGION, [
        ("NM-PS", "自治区党委党校", K.INSTITUTION, []),
        ("NM-UF", "自治区党委统战部", K.AGENCY, []),
        ("NM-HH", "呼和浩特市", K.LEAGUE_CITY, [
            ("NM-HH-XC", "新城区", K.BANNER_COUNTY, [
                ("NM-HH-XC-01", "海拉尔东路街道", K.TOWNSHIP, [("NM-HH-XC-01-01", "光明社区", K.VILLAGE, [])]),
            ]),
            ("NM-HH-TZ", "土默特左旗", K.BANNER_COUNTY, [
                ("NM-HH-TZ-01", "察素齐镇", K.TOWNSHIP, [("NM-HH-TZ-01-01", "北什轴村", K.VILLAGE, [])]),
            ]),
            ("NM-HH-PS", "呼和浩特市委党校", K.INSTITUTION, []),
        ]),
        ("NM-BT", "包头市", K.LEAGUE_CITY, [
            ("NM-BT-KD", "昆都仑区", K.BANNER_COUNTY, [("NM-BT-KD-01", "林荫路街道", K.TOWNSHIP, [])]),
            ("NM-BT-DM", "达尔罕茂明安联合旗", K.BANNER_COUNTY, [("NM-BT-DM-01", "百灵庙镇", K.TOWNSHIP, [])]),
        ]),
        ("NM-XA", "兴安盟", K.LEAGUE_CITY, [
            ("NM-XA-WL", "乌兰浩特市", K.BANNER_COUNTY, [("NM-XA-WL-01", "和平街道", K.TOWNSHIP, [])]),
            ("NM-XA-KQ", "科尔沁右翼前旗", K.BANNER_COUNTY, [("NM-XA-KQ-01", "科尔沁镇", K.TOWNSHIP, [])]),
        ]),
    ],
)

STAFF = [
    # (username, name, employee number, org code, role)
    ("admin", "系统管理员", "D0001", "NM", Role.Kind.ADMIN),
    ("organizer", "王组织", "D0002", "NM", Role.Kind.ORGANIZER),
    ("auditor", "李督查", "D0003", "NM", Role.Kind.AUDITOR),
]
TOWNSHIPS = ["NM-HH-XC-01", "NM-HH-TZ-01", "NM-BT-KD-01", "NM-BT-DM-01", "NM-XA-WL-01", "NM-XA-KQ-01"]
SURNAMES = "张王李赵刘陈杨黄吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
GIVEN = ["建国", "海燕", "志强", "秀兰", "巴特尔", "乌云", "其其格", "宝音", "萨仁", "额尔敦"]


def trainees():
    for i in range(1, 31):
        name = SURNAMES[i - 1] + GIVEN[i % len(GIVEN)]
        yield (f"trainee{i:02d}", name, f"T{i:04d}", TOWNSHIPS[(i - 1) % len(TOWNSHIPS)], Role.Kind.TRAINEE)


def _ensure_org(code, name, kind, parent) -> tuple[Organization, bool]:
    existing = Organization.objects.filter(code=code).first()
    if existing:
        return existing, False
    instance = Organization(code=code, name=name, kind=kind)
    if parent is None:
        return Organization.objects.add_root(instance=instance), True
    return Organization.objects.add_child(parent, instance=instance), True


@transaction.atomic
def demo_load(*, password: str) -> dict:
    """Create what is missing; return counts of what was created."""
    created = {"organizations": 0, "users": 0, "roles": 0}

    def walk(node, parent):
        code, name, kind, children = node
        org, new = _ensure_org(code, name, kind, parent)
        created["organizations"] += new
        for child in children:
            walk(child, org)

    walk(TREE, None)
    orgs = {o.code: o for o in Organization.objects.all()}
    password_hash = None  # hashed once, only if someone is new
    for username, name, number, org_code, role in [*STAFF, *trainees()]:
        user = User.objects.filter(username=username).first()
        if user is None:
            password_hash = password_hash or make_password(password)
            user = User.objects.create(
                username=username,
                display_name=name,
                employee_number=number,
                phone=f"139{int(number[1:]):08d}",
                organization=orgs[org_code],
                password=password_hash,
                is_superuser=username == "admin",
                is_staff=username == "admin",
            )
            created["users"] += 1
        _, new = Role.objects.get_or_create(user=user, organization=orgs[org_code], role=role)
        created["roles"] += new
    return created
