from django.urls import path

from . import views

app_name = "contacts"

urlpatterns = [
    path("", views.contact_list_view, name="list"),
    path("count/", views.contact_count_view, name="count"),
    path("mass-action/", views.contact_mass_action_view, name="mass-action"),
    path("export.csv", views.contact_export, name="export"),
    path("create/", views.contact_create_view, name="create"),
    path("duplicates/", views.duplicate_list_view, name="duplicates"),
    path("duplicates/check/", views.duplicate_check_view, name="duplicates-check"),
    path("duplicates/merge/", views.duplicate_merge_view, name="duplicates-merge"),
    path("<int:pk>/", views.contact_detail_view, name="detail"),
    path("<int:pk>/update/", views.contact_update_view, name="update"),
    path("<int:pk>/communications/", views.contact_communications_view, name="communications"),
    path("<int:pk>/delete/", views.contact_delete_view, name="delete"),
    path("companies/", views.company_list_view, name="company-list"),
    path("companies/count/", views.company_count_view, name="company-count"),
    path("companies/mass-action/", views.company_mass_action_view, name="company-mass-action"),
    path("companies/export.csv", views.company_export, name="company-export"),
    path("companies/create/", views.company_create_view, name="company-create"),
    path("companies/<int:pk>/", views.company_detail_view, name="company-detail"),
    path("companies/<int:pk>/update/", views.company_update_view, name="company-update"),
    path(
        "companies/<int:pk>/communications/",
        views.company_communications_view,
        name="company-communications",
    ),
    path("companies/<int:pk>/delete/", views.company_delete_view, name="company-delete"),
    path(
        "client/<str:entity_type>/<int:pk>/search/", views.client_search_view, name="client-search"
    ),
    path(
        "client/<str:entity_type>/<int:pk>/attach/", views.client_attach_view, name="client-attach"
    ),
    path(
        "client/<str:entity_type>/<int:pk>/detach/", views.client_detach_view, name="client-detach"
    ),
    path(
        "client/<str:entity_type>/<int:pk>/create/", views.client_create_view, name="client-create"
    ),
]
