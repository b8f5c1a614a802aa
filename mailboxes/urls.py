from django.urls import path

from . import views

app_name = "mailboxes"

urlpatterns = [
    path("", views.mailbox_list_page, name="list"),
    path("create/", views.mailbox_edit, name="create"),
    path("<int:pk>/update/", views.mailbox_edit, name="update"),
]
