"""The integration phase really runs on PostgreSQL, and integer minutes add up exactly there."""
from decimal import Decimal

import pytest
from django.db import connection

pytestmark = [pytest.mark.integration, pytest.mark.django_db]


def test_the_database_is_postgresql():
    assert connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        assert int(cursor.fetchone()[0]) >= 130000


def test_integer_minutes_sum_exactly_per_organization():
    """DESIGN: durations are stored as integer minutes; SUM over many rows is exact and the
    10 % boundary is decided on integers. 200,000 rows of 45 or 46 minutes in 7 organizations."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMPORARY TABLE it_study (organization_id integer NOT NULL, minutes integer NOT NULL)")
        cursor.execute(
            "INSERT INTO it_study SELECT i % 7, 45 + (i % 2) FROM generate_series(1, 200000) AS s(i)"
        )
        cursor.execute(
            "SELECT organization_id, SUM(minutes), COUNT(*) FROM it_study GROUP BY organization_id ORDER BY 1"
        )
        rows = cursor.fetchall()
        cursor.execute("SELECT SUM(minutes), SUM(minutes::numeric / 60) FROM it_study")
        total_minutes, total_hours = cursor.fetchone()
        cursor.execute("DROP TABLE it_study")

    expected = {}
    for i in range(1, 200001):
        expected.setdefault(i % 7, [0, 0])
        expected[i % 7][0] += 45 + (i % 2)
        expected[i % 7][1] += 1
    assert {org: [minutes, count] for org, minutes, count in rows} == expected
    assert all(isinstance(minutes, int) for _, minutes, _ in rows)  # bigint, not a float
    assert total_minutes == 200000 * 45 + 100000 == 9_100_000
    # Hours derived from integer minutes: exact as a fraction, whatever the database does with decimals.
    assert Decimal(total_minutes) / 60 == Decimal("151666.6666666666666666666667")
    # 10 % of a 9,100,000-minute requirement, decided on integers: exactly at the boundary.
    assert total_minutes * 10 >= 91_000_000 and (total_minutes - 1) * 10 < 91_000_000
    # PostgreSQL's numeric is exact too (unlike SQLite's REAL); the rounding is only in the division.
    assert abs(total_hours - Decimal(total_minutes) / 60) < Decimal("1e-10")
