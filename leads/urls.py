from django.urls import path

from . import views

app_name = "leads"

urlpatterns = [
    path("", views.lead_board_view, name="board"),
    path("board/column/<int:status_id>/", views.lead_board_column_view, name="board-column"),
    path("list/", views.lead_list_view, name="list"),
    path("list/count/", views.lead_count_view, name="count"),
    path("list/mass-action/", views.lead_mass_action_view, name="mass-action"),
    path("export.csv", views.lead_export, name="export"),
    path("create/", views.lead_create_view, name="create"),
    path("<int:pk>/", views.lead_detail_view, name="detail"),
    path("<int:pk>/update/", views.lead_update_view, name="update"),
    path("<int:pk>/set-status/", views.lead_set_status_view, name="set-status"),
    path("<int:pk>/convert/", views.lead_convert_view, name="convert"),
    path("<int:pk>/delete/", views.lead_delete_view, name="delete"),
    path("<int:pk>/products/", views.lead_product_rows_view, name="product-rows"),
]
