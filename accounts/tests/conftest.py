import pytest

from accounts.models import Organization, Role

from .factories import RoleFactory, UserFactory, make_org


@pytest.fixture
def tree(db):
    """A region with two sibling leagues, each with a banner and a township; a Party school under the region."""
    region = make_org("内蒙古自治区", "NM", Organization.Kind.REGION)
    league_a = make_org("甲盟", "NM-A", Organization.Kind.LEAGUE_CITY, region)
    league_b = make_org("乙市", "NM-B", Organization.Kind.LEAGUE_CITY, region)
    banner_a = make_org("甲盟一旗", "NM-A-1", Organization.Kind.BANNER_COUNTY, league_a)
    banner_b = make_org("乙市一区", "NM-B-1", Organization.Kind.BANNER_COUNTY, league_b)
    town_a = make_org("甲盟一旗一镇", "NM-A-1-1", Organization.Kind.TOWNSHIP, banner_a)
    school = make_org("自治区党校", "NM-PS", Organization.Kind.INSTITUTION, region)
    return {
        "region": region,
        "league_a": league_a,
        "league_b": league_b,
        "banner_a": banner_a,
        "banner_b": banner_b,
        "town_a": town_a,
        "school": school,
    }


def person(org, role=None, **kwargs):
    user = UserFactory(organization=org, **kwargs)
    if role:
        RoleFactory(user=user, organization=org, role=role)
    return user


@pytest.fixture
def people(tree):
    return {
        "admin_region": person(tree["region"], Role.Kind.ADMIN, username="admin_region"),
        "organizer_a": person(tree["league_a"], Role.Kind.ORGANIZER, username="organizer_a"),
        "organizer_b": person(tree["league_b"], Role.Kind.ORGANIZER, username="organizer_b"),
        "auditor_a": person(tree["league_a"], Role.Kind.AUDITOR, username="auditor_a"),
        "admin_a": person(tree["league_a"], Role.Kind.ADMIN, username="admin_a"),
        "trainee_a": person(tree["town_a"], Role.Kind.TRAINEE, username="trainee_a"),
        "trainee_b": person(tree["banner_b"], Role.Kind.TRAINEE, username="trainee_b"),
    }
