"""Public inbound webhooks of automation (mounted at /hooks/automation/, outside the site's
login and the API's authentication)."""

from django.urls import path

from .hooks import TriggerHookView

app_name = "automation_hooks"

urlpatterns = [
    path("<int:trigger_id>/<str:token>/", TriggerHookView.as_view(), name="fire"),
]
