from django.urls import path

from . import views

app_name = "deals"

urlpatterns = [
    path("", views.deal_board_view, name="board"),
    path("board/column/<int:stage_id>/", views.deal_board_column_view, name="board-column"),
    path("list/", views.deal_list_view, name="list"),
    path("list/count/", views.deal_count_view, name="count"),
    path("list/mass-action/", views.deal_mass_action_view, name="mass-action"),
    path("export.csv", views.deal_export, name="export"),
    path("create/", views.deal_create_view, name="create"),
    path("<int:pk>/", views.deal_detail_view, name="detail"),
    path("<int:pk>/update/", views.deal_update_view, name="update"),
    path("<int:pk>/move-to-stage/", views.deal_move_view, name="move-to-stage"),
    path("<int:pk>/move-to-pipeline/", views.deal_move_to_pipeline_view, name="move-to-pipeline"),
    path("<int:pk>/delete/", views.deal_delete_view, name="delete"),
    path("<int:pk>/products/", views.deal_product_rows_view, name="product-rows"),
]
