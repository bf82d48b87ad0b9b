import factory
from factory.django import DjangoModelFactory

from accounts.models import Organization, Role, User


def make_org(name: str, code: str, kind: str = Organization.Kind.REGION, parent: Organization | None = None) -> Organization:
    """treebeard needs add_root/add_child to compute paths, so organizations are not built by a factory."""
    if parent is None:
        return Organization.objects.add_root(instance=Organization(name=name, code=code, kind=kind))
    return Organization.objects.add_child(parent, instance=Organization(name=name, code=code, kind=kind))


class UserFactory(DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n:04d}")
    display_name = factory.Sequence(lambda n: f"测试用户{n}")
    employee_number = factory.Sequence(lambda n: f"E{n:06d}")
    password = factory.django.Password("pass-Word-123")


class RoleFactory(DjangoModelFactory):
    class Meta:
        model = Role

    user = factory.SubFactory(UserFactory)
    role = Role.Kind.TRAINEE
