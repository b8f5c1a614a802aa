"""Deals over the REST API: list (filters, ordering, cursor pages), read, create, change,
delete, and the verb move-to-stage. Writes go through deals.services, like the UI's."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_access import ScopedModelViewSet
from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import require_assign
from catalog.models import Currency
from contacts.selectors import company_list
from core.api.fields import SelectableFieldsMixin

from .filters import DealApiFilter
from .models import Deal, Stage
from .selectors import deal_list
from .services import (
    deal_create,
    deal_delete,
    deal_move_to_pipeline,
    deal_move_to_stage,
    deal_update,
    pipeline_default,
)

EXAMPLE = {
    "id": 42, "title": "Eco Shop: first order", "pipeline": 1, "stage": 3, "amount": "125000.00",
    "tax_amount": "20833.33", "currency": "RUB", "probability": 40, "deal_type": "sale",
    "begins_on": "2026-11-20", "closes_on": "2026-12-15", "responsible": 7, "company": 12,
    "contacts": [31], "source": 2, "campaign": None, "is_open_to_all": False, "comments": "",
    "created_at": "2026-11-20T10:15:00+03:00", "updated_at": "2026-11-21T09:00:00+03:00",
    "stage_changed_at": "2026-11-21T09:00:00+03:00", "closed_at": None,
}  # fmt: skip


class DealSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    contacts = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        company = self.fields.get("company")
        if request is not None and company is not None and not company.read_only:
            # a deal is linked only to a company the user may see
            company.queryset = company_list(actor=request.user)

    class Meta:
        model = Deal
        fields = [
            "id", "title", "pipeline", "stage", "amount", "tax_amount", "currency",
            "probability", "deal_type", "begins_on", "closes_on", "responsible", "company",
            "contacts", "source", "campaign", "is_open_to_all", "comments", "created_at",
            "updated_at", "stage_changed_at", "closed_at",
        ]  # fmt: skip
        # the stage changes by the move-to-stage verb; the amount follows the product rows
        read_only_fields = ["pipeline", "stage", "tax_amount", "created_at", "updated_at",
                            "stage_changed_at", "closed_at"]  # fmt: skip
        # what the database's check constraints hold, said before it is asked
        extra_kwargs = {"amount": {"min_value": 0}, "probability": {"max_value": 100}}


class DealCreateSerializer(DealSerializer):
    currency = serializers.PrimaryKeyRelatedField(
        queryset=Currency.objects.all(), required=False,
        help_text=_("Default: the base currency."),
    )  # fmt: skip
    stage = serializers.PrimaryKeyRelatedField(
        queryset=Stage.objects.all(),
        required=False,
        help_text=_("Default: the first stage of the default pipeline."),  # fmt: skip
    )

    class Meta(DealSerializer.Meta):
        read_only_fields = [
            name for name in DealSerializer.Meta.read_only_fields if name != "stage"
        ]


class MoveToStageSerializer(serializers.Serializer):
    stage = serializers.PrimaryKeyRelatedField(queryset=Stage.objects.all())


@extend_schema_view(
    list=extend_schema(summary="Deals the user may see"),
    create=extend_schema(
        summary="Create a deal",
        examples=[
            OpenApiExample(
                "A deal",
                value={"title": "Eco Shop: first order", "amount": "125000.00", "company": 12},
                request_only=True,
            )
        ],  # fmt: skip
    ),
    retrieve=extend_schema(
        summary="One deal", examples=[OpenApiExample("A deal", value=EXAMPLE, response_only=True)]
    ),
)
class DealViewSet(ScopedModelViewSet):
    entity = PermissionEntity.DEAL
    serializer_class = DealSerializer
    filterset_class = DealApiFilter
    ordering_fields = ["created_at", "updated_at", "amount", "closes_on", "title", "id"]

    def get_queryset(self):
        return deal_list(actor=self.request.user).prefetch_related("contacts")

    def get_serializer_class(self):
        if self.action == "create":
            return DealCreateSerializer
        if self.action in ("move_to_stage", "move_to_pipeline"):
            return MoveToStageSerializer
        return DealSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        stage = data.pop("stage", None)
        responsible = data.pop("responsible", None) or self.request.user
        # the pipeline the deal lands in decides the add right, the default one without a stage
        pipeline_id = stage.pipeline_id if stage else pipeline_default().pk
        require_assign(
            self.request.user,
            PermissionEntity.DEAL,
            responsible,
            action=PermissionAction.ADD,
            pipeline_id=pipeline_id,
        )
        serializer.instance = deal_create(actor=self.request.user, stage=stage,
                                          responsible=responsible, **data)  # fmt: skip

    def perform_update(self, serializer):
        deal, data = serializer.instance, serializer.validated_data
        if "responsible" in data:
            require_assign(
                self.request.user,
                PermissionEntity.DEAL,
                data["responsible"],
                action=PermissionAction.EDIT,
                pipeline_id=deal.pipeline_id,
            )
        serializer.instance = deal_update(deal=deal, actor=self.request.user, data=data)

    def perform_destroy(self, instance):
        deal_delete(deal=instance, actor=self.request.user)

    @extend_schema(summary="Move the deal to another stage of its pipeline",
                   request=MoveToStageSerializer, responses=DealSerializer)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="move-to-stage")
    def move_to_stage(self, request, pk=None):
        return self._moved(request, deal_move_to_stage)

    @extend_schema(summary="Move the deal to a stage of another pipeline",
                   request=MoveToStageSerializer, responses=DealSerializer)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="move-to-pipeline")
    def move_to_pipeline(self, request, pk=None):
        return self._moved(request, deal_move_to_pipeline)

    def _moved(self, request, move):
        """The deal after `move` (a stage move service) to the posted stage."""
        deal = self.get_object()
        serializer = MoveToStageSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        deal = move(deal=deal, stage=serializer.validated_data["stage"], actor=request.user)
        return Response(DealSerializer(deal, context=self.get_serializer_context()).data)


# (url prefix, viewset, basename) for crm_project/api_urls.py
ROUTES = [("deals", DealViewSet, "deal")]
