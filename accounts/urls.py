from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("roles/", views.role_list, name="roles"),
    path("roles/create/", views.role_edit, name="role-create"),
    path("roles/<int:pk>/update/", views.role_edit, name="role-update"),
    path("shares/<str:entity_type>/<int:pk>/", views.share_view, name="share"),
    path("tokens/", views.api_token_list_view, name="tokens"),
    path("filters/", views.saved_filter_save_view, name="filter-save"),
    path("filters/<int:pk>/delete/", views.saved_filter_delete_view, name="filter-delete"),
]
