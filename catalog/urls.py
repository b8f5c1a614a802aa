from django.urls import path

from . import views

app_name = "catalog"

urlpatterns = [
    path("", views.section_list_view, name="section-list"),
    path("sections/create/", views.section_create_view, name="section-create"),
    path("sections/<int:pk>/update/", views.section_update_view, name="section-update"),
    path("products/", views.product_list_view, name="product-list"),
    path("products/search/", views.product_search_view, name="product-search"),
    path("products/mass-action/", views.product_mass_action_view, name="product-mass-action"),
    path("products/export.csv", views.product_export, name="product-export"),
    path("products/create/", views.product_create_view, name="product-create"),
    path("products/<int:pk>/update/", views.product_update_view, name="product-update"),
]
