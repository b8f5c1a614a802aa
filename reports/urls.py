from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index_view, name="index"),
    # the builder's routes come before the standard reports' <slug:key>/ ("builder" is a slug)
    path("builder/", views.report_builder_view, name="builder"),
    path("saved/<int:pk>/", views.saved_report_detail_view, name="saved-detail"),
    path("saved/<int:pk>/export.csv", views.saved_report_export_view, name="saved-export"),
    path("saved/<int:pk>/update/", views.saved_report_update_view, name="saved-update"),
    path("saved/<int:pk>/delete/", views.saved_report_delete_view, name="saved-delete"),
    path("<slug:key>/", views.report_detail_view, name="detail"),
    path("<slug:key>/export.csv", views.report_export_view, name="export"),
]
