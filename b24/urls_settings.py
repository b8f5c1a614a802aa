from django.urls import path

from .views_settings import webhook_list_view

app_name = "b24_settings"

urlpatterns = [path("", webhook_list_view, name="webhooks")]
