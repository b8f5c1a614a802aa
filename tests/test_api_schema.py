"""The API as a whole: its root needs a login; the schema is valid OpenAPI 3
and says what the implementation does (schemathesis: tests/test_api_fuzz.py)."""

import json

from django.core.management import call_command
from django.urls import reverse
from rest_framework.test import APIClient

from tests.factories import user_with_role


def test_the_api_root_needs_a_login_the_schema_and_docs_are_public(db):
    """The root lists resources for a signed-in user; the schema and its docs are public, like
    any published API's (they hold no data)."""
    api = APIClient()
    urls = [reverse("api:api-root"), reverse("api:schema"), reverse("api:docs")]

    assert [api.get(url).status_code for url in urls] == [401, 200, 200]

    api.force_authenticate(user_with_role("ivanov"))
    assert [api.get(url).status_code for url in urls] == [200, 200, 200]


def test_the_schema_is_valid_openapi_without_warnings(tmp_path, db):
    target = tmp_path / "schema.json"

    call_command("spectacular", "--validate", "--fail-on-warn", "--format", "openapi-json",
                 "--file", str(target))  # fmt: skip

    schema = json.loads(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/deals/{id}/move-to-stage/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"


def test_an_unknown_api_path_answers_the_json_404(db):
    api = APIClient()
    api.force_authenticate(user_with_role("ivanov"))

    for path in ("/api/v1/no-such-thing/", "/api/v1/deals/abc/", "/api/v1/deals/1.5/"):
        response = api.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"]["code"] == "not_found"
