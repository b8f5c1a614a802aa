from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path
from django.views.generic import TemplateView


def healthz(request):
    """For load balancers and docker-compose health checks: the process answers."""
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [
    path("", TemplateView.as_view(template_name="home.html"), name="home"),
    path("healthz", healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("leads/", include("leads.urls")),
    path("deals/", include("deals.urls")),
    path("contacts/", include("contacts.urls")),
    path("catalog/", include("catalog.urls")),
    path("activities/", include("activities.urls")),
    path("automation/", include("automation.urls")),
    path("reports/", include("reports.urls")),
    path("imports/", include("imports.urls")),
    path("settings/", include("accounts.urls")),
    path("settings/bitrix24-webhooks/", include("b24.urls_settings")),
    path("settings/webhooks/", include("webhooks.urls")),
    path("settings/shops/", include("shopsync.urls")),
    path("settings/mailboxes/", include("mailboxes.urls")),
    path("api/v1/", include("crm_project.api_urls")),
    path("rest/", include("b24.urls")),  # Bitrix24-compatible incoming webhooks
    path("hooks/automation/", include("automation.urls_hooks")),
    path("", include("webforms.urls")),  # settings/webforms/, webforms/submissions/, f/<key>/
    path("admin/", admin.site.urls),
]
