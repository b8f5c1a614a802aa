"""The REST API, /api/v1/: every app's resources (its `api.ROUTES`), the schema and the
interactive docs."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from accounts import api as accounts_api
from activities import api as activities_api
from catalog import api as catalog_api
from contacts import api as contacts_api
from core.api.errors import not_found
from deals import api as deals_api
from deals import api_pipelines
from leads import api as leads_api
from leads import api_reference
from reports import api as reports_api
from shopsync import api as shopsync_api

app_name = "api"


class NumericIdRouter(DefaultRouter):
    """Every item is addressed by its integer id: `/deals/abc/` is not a route at all."""

    include_format_suffixes = False

    def get_lookup_regex(self, viewset, lookup_prefix=""):
        if getattr(viewset, "lookup_value_regex", None) is None:
            viewset.lookup_value_regex = "[0-9]+"
        return super().get_lookup_regex(viewset, lookup_prefix)


router = NumericIdRouter()
APIS = (leads_api, contacts_api, deals_api, api_pipelines, api_reference, catalog_api,
        activities_api, accounts_api, reports_api, shopsync_api)  # fmt: skip
for module in APIS:
    for prefix, viewset, basename in module.ROUTES:
        router.register(prefix, viewset, basename=basename)

urlpatterns = [
    path("", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    # anything else under /api/v1/ is an unknown resource: the API's 404, not an HTML page
    re_path(r"^[\s\S]*$", not_found, name="not-found"),
]
