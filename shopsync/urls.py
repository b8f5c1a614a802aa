from django.urls import path

from . import views

app_name = "shopsync"

urlpatterns = [
    path("", views.shop_list, name="list"),
    path("create/", views.shop_edit, name="create"),
    path("<int:pk>/", views.shop_detail, name="detail"),
    path("<int:pk>/update/", views.shop_edit, name="update"),
    path("<int:pk>/rotate-token/", views.shop_rotate_token, name="rotate-token"),
    path("<int:pk>/test-connection/", views.shop_test_connection, name="test-connection"),
    path("<int:pk>/pull/", views.shop_pull, name="pull"),
    path("runs/<int:pk>/document/", views.run_document, name="run-document"),
    path("deals/<int:deal_id>/order/", views.deal_order, name="deal-order"),
    path("deals/<int:deal_id>/order/create/", views.deal_order_create, name="deal-order-create"),
]
