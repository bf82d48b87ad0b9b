import pytest
import yaml
from django.core.management import call_command


@pytest.mark.django_db
def test_openapi_schema_is_valid_and_generates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    paths = set(schema["paths"])
    expected = {"/api/v1/me/", "/api/v1/orgs/", "/api/v1/users/", "/api/v1/roles/", "/api/v1/user-imports/", "/api/v1/auth/token/"}
    assert expected <= paths
    assert "tokenAuth" in schema["components"]["securitySchemes"]
