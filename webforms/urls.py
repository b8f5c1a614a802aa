from django.urls import path

from . import views

app_name = "webforms"

urlpatterns = [
    path("settings/webforms/", views.webform_list, name="list"),
    path("settings/webforms/create/", views.webform_edit, name="create"),
    path("settings/webforms/<int:pk>/update/", views.webform_edit, name="update"),
    path("webforms/submissions/", views.submission_list, name="submissions"),
    path("webforms/submissions/review/", views.submission_review, name="submissions-review"),
    path("f/<uuid:key>/", views.webform_public, name="public"),
]
