from django.urls import path

from . import views

app_name = "automation"

urlpatterns = [
    path("", views.automation_index_view, name="index"),
    path("pipelines/<int:pipeline_id>/", views.pipeline_editor_view, name="pipeline"),
    path("leads/", views.lead_statuses_editor_view, name="lead-statuses"),
    # <place_kind> is "stage" or "lead-status"
    path("<str:place_kind>/<int:place_id>/robots/create/", views.robot_create_view,
         name="robot-create"),
    path("<str:place_kind>/<int:place_id>/robots/reorder/", views.robots_reorder_view,
         name="robots-reorder"),
    path("<str:place_kind>/<int:place_id>/robots/settings-fields/",
         views.robot_settings_fields_view, name="robot-settings-fields"),
    path("robots/<int:pk>/update/", views.robot_update_view, name="robot-update"),
    path("robots/<int:pk>/delete/", views.robot_delete_view, name="robot-delete"),
    path("<str:place_kind>/<int:place_id>/triggers/create/", views.trigger_create_view,
         name="trigger-create"),
    path("triggers/<int:pk>/update/", views.trigger_update_view, name="trigger-update"),
    path("triggers/<int:pk>/delete/", views.trigger_delete_view, name="trigger-delete"),
    path("triggers/<int:pk>/rotate-token/", views.trigger_rotate_token_view,
         name="trigger-rotate-token"),
]  # fmt: skip
