from django.urls import path

from . import views

app_name = "imports"

urlpatterns = [
    path("", views.import_list_view, name="list"),
    path("create/", views.import_create_view, name="create"),
    path("<int:pk>/", views.import_detail_view, name="detail"),
    path("<int:pk>/mapping/", views.import_mapping_view, name="mapping"),
    path("<int:pk>/rejected.csv", views.import_rejected_view, name="rejected"),
]
