from django.urls import re_path

from .views import rest_view

app_name = "b24"

urlpatterns = [
    re_path(
        r"^(?P<user_id>[0-9]+)/(?P<code>[0-9A-Za-z]+)/(?P<method>[A-Za-z0-9_.]+?)"
        r"(?:\.(?P<suffix>json|xml))?/?$",
        rest_view,
        name="rest",
    ),
    # the address a webhook is given (methods are appended to it)
    re_path(r"^(?P<user_id>[0-9]+)/(?P<code>[0-9A-Za-z]+)/$", rest_view, name="rest-base"),
]
