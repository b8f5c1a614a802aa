"""Reference data of leads over the REST API: lead statuses, client sources and advertising
campaigns. Read by anybody signed in; created and changed by settings managers through
leads.services."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import mixins, serializers, viewsets
from rest_framework.parsers import JSONParser

from accounts.api import CanManageSettingsOrReadOnly
from catalog.models import Currency
from core.api.fields import SelectableFieldsMixin
from core.api.idempotency import IdempotentCreateMixin

from .models import Campaign, LeadStatus, Source
from .services import (
    campaign_create,
    campaign_update,
    lead_status_create,
    lead_status_update,
    source_create,
    source_update,
)


@extend_schema_field(OpenApiTypes.STR)
class SemanticsField(serializers.ChoiceField):
    """A plain string in the schema: stages have a "semantics" enum of their own, and two
    choice sets under one property name make the schema's enum names ambiguous."""


class LeadStatusSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    semantics = SemanticsField(
        choices=LeadStatus.Semantics.choices, default=LeadStatus.Semantics.IN_PROGRESS,
        help_text=_("in_progress, converted (one status only) or junk."),
    )  # fmt: skip

    class Meta:
        model = LeadStatus
        fields = ["id", "code", "name", "sort", "color", "semantics", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class LeadStatusChangeSerializer(LeadStatusSerializer):
    class Meta(LeadStatusSerializer.Meta):
        # conversion and the board rely on a status's code and meaning
        read_only_fields = ["code", "semantics", "created_at", "updated_at"]


class SourceSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Source
        fields = ["id", "code", "name", "sort", "is_active", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class SourceChangeSerializer(SourceSerializer):
    class Meta(SourceSerializer.Meta):
        read_only_fields = ["code", "created_at", "updated_at"]


class CampaignSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    currency = serializers.PrimaryKeyRelatedField(
        queryset=Currency.objects.all(), required=False, help_text=_("Default: the base currency.")
    )

    class Meta:
        model = Campaign
        fields = ["id", "name", "utm_source", "utm_medium", "utm_campaign", "cost", "currency",
                  "starts_on", "ends_on", "is_active", "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"cost": {"min_value": 0}}


class ReferenceViewSet(
    IdempotentCreateMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):  # fmt: skip
    """Read for anybody signed in; create and change for settings managers, through the
    services named by `create_service` and `update_service`."""

    permission_classes = [CanManageSettingsOrReadOnly]
    parser_classes = [JSONParser]  # a form cannot say null (no campaign end, no currency)
    change_serializer_class: type[serializers.Serializer] | None = None

    def get_serializer_class(self):
        if self.action in ("update", "partial_update") and self.change_serializer_class:
            return self.change_serializer_class
        return self.serializer_class

    def perform_create(self, serializer):
        serializer.instance = type(self).create_service(**serializer.validated_data)

    def perform_update(self, serializer):
        type(self).update_service(serializer.instance, dict(serializer.validated_data))


@extend_schema_view(
    list=extend_schema(summary="Lead statuses in board order"),
    retrieve=extend_schema(summary="One lead status"),
    create=extend_schema(
        summary="Add a lead status (settings managers)",
        examples=[
            OpenApiExample(
                "A status",
                request_only=True,
                value={"code": "callback", "name": "Call back", "sort": 25},
            )
        ],
    ),  # fmt: skip
    update=extend_schema(summary="Rename, re-colour or re-sort a lead status"),
    partial_update=extend_schema(summary="Rename, re-colour or re-sort a lead status"),
)
class LeadStatusViewSet(ReferenceViewSet):
    serializer_class = LeadStatusSerializer
    change_serializer_class = LeadStatusChangeSerializer
    ordering_fields = ["sort", "id"]
    ordering = ("sort",)

    def get_queryset(self):
        return LeadStatus.objects.all()

    @staticmethod
    def create_service(**data):
        return lead_status_create(**data)

    @staticmethod
    def update_service(status, data):
        return lead_status_update(status=status, data=data)


@extend_schema_view(
    list=extend_schema(summary="Client sources"),
    retrieve=extend_schema(summary="One source"),
    create=extend_schema(
        summary="Add a source (settings managers)",
        examples=[
            OpenApiExample(
                "A source", request_only=True, value={"code": "exhibition", "name": "Exhibition"}
            )
        ],
    ),  # fmt: skip
    update=extend_schema(summary="Rename, re-sort or (de)activate a source"),
    partial_update=extend_schema(summary="Rename, re-sort or (de)activate a source"),
)
class SourceViewSet(ReferenceViewSet):
    serializer_class = SourceSerializer
    change_serializer_class = SourceChangeSerializer
    ordering_fields = ["sort", "name", "id"]
    ordering = ("sort", "id")

    def get_queryset(self):
        return Source.objects.all()

    @staticmethod
    def create_service(**data):
        return source_create(**data)

    @staticmethod
    def update_service(source, data):
        return source_update(source=source, data=data)


@extend_schema_view(
    list=extend_schema(summary="Advertising campaigns"),
    retrieve=extend_schema(summary="One campaign"),
    create=extend_schema(
        summary="Add a campaign (settings managers)",
        examples=[
            OpenApiExample(
                "A campaign",
                request_only=True,
                value={
                    "name": "Autumn sale",
                    "utm_source": "newsletter",
                    "utm_campaign": "autumn",
                    "cost": "15000.00",
                },
            )
        ],
    ),  # fmt: skip
    update=extend_schema(summary="Change a campaign"),
    partial_update=extend_schema(summary="Change some fields of a campaign"),
)
class CampaignViewSet(ReferenceViewSet):
    serializer_class = CampaignSerializer
    ordering_fields = ["starts_on", "name", "created_at", "id"]
    ordering = ("-created_at", "-id")

    def get_queryset(self):
        return Campaign.objects.select_related("currency")

    @staticmethod
    def create_service(**data):
        return campaign_create(**data)

    @staticmethod
    def update_service(campaign, data):
        return campaign_update(campaign=campaign, data=data)


# (url prefix, viewset, basename) for crm_project/api_urls.py
ROUTES = [
    ("lead-statuses", LeadStatusViewSet, "lead-status"),
    ("sources", SourceViewSet, "source"),
    ("campaigns", CampaignViewSet, "campaign"),
]
