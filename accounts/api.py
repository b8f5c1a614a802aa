"""Users and departments over the REST API, read only: who can be made responsible, and the
company structure as a flat list. Also what the reference-data APIs share: the "read for
everybody, change for settings managers" permission and a tree's parent ids in one query."""

import django_filters
from django.db.models import OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Substr
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import permissions, serializers, viewsets

from core.api.fields import SelectableFieldsMixin
from core.filters import IdFilter

from .models import Department, User
from .policy import can_manage_settings


class CanManageSettingsOrReadOnly(permissions.BasePermission):
    """Reads for anybody signed in; writes for superusers and roles that may edit all the
    settings (accounts.policy.can_manage_settings)."""

    message = _("Only those who manage the settings may change this.")

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or can_manage_settings(request.user)


def with_parent_id(nodes: QuerySet) -> QuerySet:
    """A treebeard (materialised path) queryset with each node's `parent_id` annotated: the
    node whose path is this one's minus its last step, in the same query."""
    model = nodes.model
    parent_path = Substr(OuterRef("path"), 1, (OuterRef("depth") - 1) * model.steplen)
    parents = model._default_manager.filter(path=parent_path).values("pk")[:1]
    return nodes.annotate(parent_id=Subquery(parents))


class UserSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    full_name = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "middle_name", "last_name", "full_name",
                  "email", "phone", "position", "department"]  # fmt: skip
        read_only_fields = fields

    def get_full_name(self, user: User) -> str:
        return str(user)


class DepartmentSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Department
        fields = ["id", "name", "parent", "depth", "head", "created_at", "updated_at"]
        read_only_fields = fields


class UserApiFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="filter_text", label=_("Name, login or e-mail"))
    department = IdFilter(
        method="filter_department", label=_("Department (with its sub-departments)")
    )

    class Meta:
        model = User
        fields = []

    def filter_text(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(first_name__icontains=value) | Q(last_name__icontains=value)
            | Q(username__icontains=value) | Q(email__icontains=value)
        )  # fmt: skip

    def filter_department(self, queryset: QuerySet, name: str, value) -> QuerySet:
        path = Department.objects.filter(pk=value).values("path")[:1]
        return queryset.filter(department__path__startswith=Subquery(path))


USER_EXAMPLE = {
    "id": 7, "username": "ivanova", "first_name": "Anna", "middle_name": "", "last_name":
    "Ivanova", "full_name": "Anna Ivanova", "email": "ivanova@example.com", "phone": "",
    "position": "Sales manager", "department": 3,
}  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="Active users (who can be made responsible)"),
    retrieve=extend_schema(
        summary="One active user",
        examples=[OpenApiExample("A user", value=USER_EXAMPLE, response_only=True)],
    ),
)
class UserViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = UserSerializer
    filterset_class = UserApiFilter
    ordering_fields = ["last_name", "first_name", "username", "id"]
    ordering = ("last_name", "first_name", "id")

    def get_queryset(self):
        return User.objects.filter(is_active=True)


@extend_schema_view(
    list=extend_schema(summary="The departments: the tree depth-first, with parent and depth"),
    retrieve=extend_schema(summary="One department"),
)
class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer
    ordering_fields = ["path"]
    ordering = ("path",)

    def get_queryset(self):
        return with_parent_id(Department.objects.all()).order_by("path")


# (url prefix, viewset, basename) for crm_project/api_urls.py
ROUTES = [("users", UserViewSet, "user"), ("departments", DepartmentViewSet, "department")]
