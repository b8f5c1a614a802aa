from django.urls import path

from . import views

app_name = "activities"

urlpatterns = [
    path("", views.activity_list_view, name="list"),
    path("notifications/", views.notification_list_view, name="notifications"),
    path(
        "notifications/read-all/",
        views.notifications_read_all_view,
        name="notifications-read-all",
    ),
    path("notifications/<int:pk>/open/", views.notification_open_view, name="notification-open"),
    path("<slug:entity_type>/<int:entity_id>/", views.entity_activities_view, name="entity"),
    path(
        "<slug:entity_type>/<int:entity_id>/add/<slug:kind>/",
        views.activity_create_view,
        name="create",
    ),
    path(
        "<slug:entity_type>/<int:entity_id>/<int:activity_id>/complete/",
        views.activity_complete_view,
        name="complete",
    ),
]
