from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("export.csv", views.deal_export, name="export"),
]
