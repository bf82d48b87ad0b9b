from accounts import scope
from accounts.models import Organization, Role

from .conftest import person


def test_role_covers_its_subtree_and_nothing_beside_it(tree, people):
    visible = set(scope.organizations_in_scope(people["organizer_a"]).values_list("code", flat=True))
    assert visible == {"NM-A", "NM-A-1", "NM-A-1-1"}


def test_region_admin_sees_the_whole_region(tree, people):
    assert scope.organizations_in_scope(people["admin_region"]).count() == Organization.objects.count()


def test_roles_in_several_places_add_up_and_nested_paths_collapse(tree):
    user = person(tree["league_a"], Role.Kind.ORGANIZER)
    Role.objects.create(user=user, organization=tree["banner_a"], role=Role.Kind.ORGANIZER)
    Role.objects.create(user=user, organization=tree["banner_b"], role=Role.Kind.ORGANIZER)
    paths = scope.scope_paths(user, [Role.Kind.ORGANIZER])
    assert paths == sorted([tree["league_a"].path, tree["banner_b"].path])
    codes = set(scope.organizations_in_scope(user).values_list("code", flat=True))
    assert codes == {"NM-A", "NM-A-1", "NM-A-1-1", "NM-B-1"}


def test_scope_is_per_role(tree, people):
    trainee_and_auditor = people["trainee_a"]
    Role.objects.create(user=trainee_and_auditor, organization=tree["banner_b"], role=Role.Kind.AUDITOR)
    scope.forget_scope(trainee_and_auditor)
    assert scope.in_scope(trainee_and_auditor, tree["banner_b"], [Role.Kind.AUDITOR])
    assert not scope.in_scope(trainee_and_auditor, tree["banner_b"], [Role.Kind.TRAINEE])
    assert not scope.in_scope(trainee_and_auditor, tree["town_a"], [Role.Kind.AUDITOR])


def test_inactive_and_anonymous_users_see_nothing(tree, people):
    from django.contrib.auth.models import AnonymousUser

    user = people["organizer_a"]
    user.is_active = False
    assert scope.organizations_in_scope(user).count() == 0
    assert scope.organizations_in_scope(AnonymousUser()).count() == 0


def test_a_user_without_roles_sees_nothing(tree):
    nobody = person(tree["league_a"])
    assert scope.organizations_in_scope(nobody).count() == 0


def test_a_system_administrator_sees_everyone_even_people_without_roles(tree, people):
    from accounts import selectors
    from accounts.models import User

    loner = person(tree["banner_b"])  # no role anywhere
    root = User.objects.create_superuser(username="root", password="Root-pass-2026", display_name="系统管理员")
    assert loner in selectors.user_list(user=root)
    assert selectors.user_list(user=root).count() == User.objects.count()


def test_someone_with_a_role_in_scope_is_visible_even_if_registered_elsewhere(tree, people):
    from accounts import selectors

    visitor = person(tree["banner_b"])
    Role.objects.create(user=visitor, organization=tree["town_a"], role=Role.Kind.TRAINEE)
    assert visitor in selectors.user_list(user=people["organizer_a"])
    assert visitor not in selectors.user_list(user=people["trainee_a"])
