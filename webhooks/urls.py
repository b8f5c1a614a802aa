from django.urls import path

from . import views

app_name = "webhooks"

urlpatterns = [
    path("", views.subscription_list, name="list"),
    path("create/", views.subscription_edit, name="create"),
    path("<int:pk>/", views.subscription_detail, name="detail"),
    path("<int:pk>/update/", views.subscription_edit, name="update"),
    path("<int:pk>/rotate-secret/", views.subscription_rotate_secret, name="rotate-secret"),
    path("deliveries/<int:pk>/redeliver/", views.delivery_redeliver, name="redeliver"),
]
