from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index_view, name="index"),
    path("<slug:key>/", views.report_detail_view, name="detail"),
    path("<slug:key>/export.csv", views.report_export_view, name="export"),
]
