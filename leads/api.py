"""Leads over the REST API: list (filters, ordering, cursor pages), read, create, change,
delete, and the verbs set-status, convert and merge. Writes go through leads.services, like
the UI's."""

from django.db import transaction
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_access import ScopedModelViewSet
from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import require_assign
from catalog.models import Currency
from contacts.api import (
    MERGE_SCHEMA,
    CommunicationsMixin,
    MergeSerializer,
    all_communications,
    communications_save,
    merge_duplicates,
    split_communications,
)
from contacts.models import Company, Contact
from contacts.selectors import company_list, contact_list
from core.api.fields import SelectableFieldsMixin
from deals.models import Pipeline

from .conversion_rights import check_convert_rights
from .filters import LeadApiFilter
from .models import Lead, LeadStatus
from .selectors import lead_list
from .services import (
    Conversion,
    lead_convert,
    lead_create,
    lead_delete,
    lead_merge,
    lead_set_status,
    lead_update,
)

EXAMPLE = {
    "id": 17, "title": "Request from the website", "status": 1, "status_comment": "",
    "honorific": "", "first_name": "Anna", "middle_name": "", "last_name": "Ivanova",
    "company_title": "Eco Shop", "position": "Buyer", "address": "", "comments": "",
    "amount": "25000.00", "currency": "RUB", "source": 2, "source_description": "",
    "campaign": None, "utm_source": "yandex", "utm_medium": "cpc", "utm_campaign": "autumn",
    "utm_content": "", "utm_term": "", "is_open_to_all": False, "responsible": 7,
    "contact": None, "company": None,
    "phones": [{"value": "+7 916 123-45-67", "type": "mobile"}],
    "emails": [{"value": "anna@ecoshop.example", "type": "work"}], "websites": [],
    "messengers": [], "created_at": "2026-11-20T10:15:00+03:00",
    "updated_at": "2026-11-21T09:00:00+03:00", "status_changed_at": "2026-11-20T10:15:00+03:00",
    "converted_at": None,
}  # fmt: skip


class LeadSerializer(SelectableFieldsMixin, CommunicationsMixin, serializers.ModelSerializer):
    class Meta:
        model = Lead
        fields = [
            "id", "title", "status", "status_comment", "honorific", "first_name", "middle_name",
            "last_name", "company_title", "position", "address", "comments", "amount",
            "currency", "source", "source_description", "campaign", "utm_source", "utm_medium",
            "utm_campaign", "utm_content", "utm_term", "is_open_to_all", "responsible",
            "contact", "company", "phones", "emails", "websites", "messengers", "created_at",
            "updated_at", "status_changed_at", "converted_at",
        ]  # fmt: skip
        # the status changes by the set-status and convert verbs; the client is set by convert
        read_only_fields = ["status", "status_comment", "currency", "contact", "company",
                            "created_at", "updated_at", "status_changed_at", "converted_at"]  # fmt: skip
        extra_kwargs = {"amount": {"min_value": 0}}


class LeadCreateSerializer(LeadSerializer):
    status = serializers.PrimaryKeyRelatedField(
        queryset=LeadStatus.objects.all(), required=False,
        help_text=_("Default: the first status. A final status is refused."),
    )  # fmt: skip
    currency = serializers.PrimaryKeyRelatedField(
        queryset=Currency.objects.all(), required=False,
        help_text=_("Default: the base currency."),
    )  # fmt: skip

    class Meta(LeadSerializer.Meta):
        read_only_fields = [name for name in LeadSerializer.Meta.read_only_fields
                            if name not in ("status", "currency")]  # fmt: skip


class SetStatusSerializer(serializers.Serializer):
    status = serializers.PrimaryKeyRelatedField(queryset=LeadStatus.objects.all())
    comment = serializers.CharField(required=False, allow_blank=True, default="")


class ConvertContactFieldsSerializer(serializers.Serializer):
    honorific = serializers.CharField(max_length=20, required=False, allow_blank=True)
    first_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    middle_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    last_name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    position = serializers.CharField(max_length=200, required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)


class ConvertCompanyFieldsSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False, allow_blank=True)
    address = serializers.CharField(required=False, allow_blank=True)
    company_type = serializers.ChoiceField(choices=Company.Type.choices, required=False)
    industry = serializers.ChoiceField(choices=Company.Industry.choices, required=False)


class ConvertDealFieldsSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=255, required=False)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0,
                                      required=False)  # fmt: skip
    comments = serializers.CharField(required=False, allow_blank=True)


class ConvertSerializer(serializers.Serializer):
    """What to make of the lead: for the contact and the company, an existing one (its id) or
    a new one (`create_…`, with `…_fields` overriding what the lead gives); and a deal."""

    contact = serializers.PrimaryKeyRelatedField(
        queryset=Contact.objects.none(), required=False, allow_null=True,
        help_text=_("An existing contact the user may see."),
    )  # fmt: skip
    create_contact = serializers.BooleanField(default=False)
    contact_fields = ConvertContactFieldsSerializer(required=False)
    company = serializers.PrimaryKeyRelatedField(
        queryset=Company.objects.none(), required=False, allow_null=True,
        help_text=_("An existing company the user may see."),
    )  # fmt: skip
    create_company = serializers.BooleanField(default=False)
    company_fields = ConvertCompanyFieldsSerializer(required=False)
    create_deal = serializers.BooleanField(default=False)
    pipeline = serializers.PrimaryKeyRelatedField(
        queryset=Pipeline.objects.all(), required=False, allow_null=True,
        help_text=_("Default: the default pipeline."),
    )  # fmt: skip
    deal_fields = ConvertDealFieldsSerializer(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        request = self.context.get("request")
        if request is not None:
            self.fields["contact"].queryset = contact_list(actor=request.user)
            self.fields["company"].queryset = company_list(actor=request.user)

    def validate(self, attrs):
        for name in ("contact", "company"):
            if attrs.get(name) and attrs.get(f"create_{name}"):
                raise serializers.ValidationError(
                    {name: _("Choose an existing one or a new one, not both.")}
                )
        return attrs

    def conversion(self) -> Conversion:
        data = self.validated_data
        return Conversion(
            contact=True if data["create_contact"] else data.get("contact"),
            company=True if data["create_company"] else data.get("company"),
            deal=data["create_deal"],
            pipeline=data.get("pipeline"),
            contact_fields=data.get("contact_fields", {}),
            company_fields=data.get("company_fields", {}),
            deal_fields=data.get("deal_fields", {}),
        )


class ConversionResultSerializer(serializers.Serializer):
    lead = serializers.IntegerField()
    contact = serializers.IntegerField(allow_null=True)
    company = serializers.IntegerField(allow_null=True)
    deal = serializers.IntegerField(allow_null=True)


@extend_schema_view(
    list=extend_schema(summary="Leads the user may see"),
    create=extend_schema(
        summary="Create a lead",
        examples=[
            OpenApiExample(
                "A lead",
                value={
                    "title": "Request from the website",
                    "first_name": "Anna",
                    "phones": [{"value": "+7 916 123-45-67", "type": "mobile"}],
                },
                request_only=True,
            )
        ],  # fmt: skip
    ),
    retrieve=extend_schema(
        summary="One lead", examples=[OpenApiExample("A lead", value=EXAMPLE, response_only=True)]
    ),
)
class LeadViewSet(ScopedModelViewSet):
    entity = PermissionEntity.LEAD
    serializer_class = LeadSerializer
    filterset_class = LeadApiFilter
    ordering_fields = ["created_at", "updated_at", "amount", "title", "status_changed_at", "id"]

    def get_queryset(self):
        return lead_list(actor=self.request.user).prefetch_related("communications")

    def object_queryset(self):
        return Lead.objects.select_related("status").prefetch_related("communications")

    def get_serializer_class(self):
        return {
            "create": LeadCreateSerializer,
            "set_status": SetStatusSerializer,
            "convert": ConvertSerializer,
            "merge": MergeSerializer,
        }.get(self.action, LeadSerializer)

    def _answer(self, lead: Lead) -> Response:
        lead = self.object_queryset().get(pk=lead.pk)
        return Response(LeadSerializer(lead, context=self.get_serializer_context()).data)

    @transaction.atomic
    def perform_create(self, serializer):
        data, given = split_communications(serializer.validated_data)
        responsible = data.pop("responsible", None) or self.request.user
        require_assign(
            self.request.user, PermissionEntity.LEAD, responsible, action=PermissionAction.ADD
        )
        serializer.instance = lead_create(actor=self.request.user, responsible=responsible,
                                          communications=all_communications(given), **data)  # fmt: skip

    @transaction.atomic
    def perform_update(self, serializer):
        data, given = split_communications(serializer.validated_data)
        if "responsible" in data:
            require_assign(
                self.request.user,
                PermissionEntity.LEAD,
                data["responsible"],
                action=PermissionAction.EDIT,
            )
        lead = lead_update(lead=serializer.instance, actor=self.request.user, data=data)
        communications_save(owner=lead, given=given)
        serializer.instance = self.object_queryset().get(pk=lead.pk)

    def perform_destroy(self, instance):
        lead_delete(lead=instance, actor=self.request.user)

    @extend_schema(summary="Move the lead to another status (not 'converted': use convert)",
                   request=SetStatusSerializer, responses=LeadSerializer)  # fmt: skip
    @action(detail=True, methods=["post"], url_path="set-status")
    def set_status(self, request, pk=None):
        lead = self.get_object()
        serializer = SetStatusSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lead = lead_set_status(lead=lead, status=serializer.validated_data["status"],
                               comment=serializer.validated_data["comment"], actor=request.user)  # fmt: skip
        return self._answer(lead)

    @extend_schema(
        summary="Convert the lead into a contact, a company and / or a deal",
        description=_("Missing fields come back as 400 naming them, e.g. `contact.last_name`."),
        request=ConvertSerializer,
        responses=ConversionResultSerializer,
        examples=[
            OpenApiExample("A new contact and a deal", request_only=True,
                           value={"create_contact": True, "create_deal": True}),
            OpenApiExample("What was created", response_only=True,
                           value={"lead": 17, "contact": 31, "company": None, "deal": 42}),
        ],
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def convert(self, request, pk=None):
        lead = self.get_object()
        serializer = ConvertSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        conversion = serializer.conversion()
        check_convert_rights(request.user, lead, conversion)
        result = lead_convert(lead=lead, conversion=conversion, actor=request.user)
        return Response(
            {
                "lead": result.lead.pk,
                "contact": result.contact.pk if result.contact else None,
                "company": result.company.pk if result.company else None,
                "deal": result.deal.pk if result.deal else None,
            }
        )

    @extend_schema(summary="Merge duplicate leads into this one", responses=LeadSerializer,
                   **MERGE_SCHEMA)  # fmt: skip
    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        target = self.get_object()
        duplicates = merge_duplicates(self, target, self.entity, Lead)
        return self._answer(lead_merge(target=target, duplicates=duplicates, actor=request.user))


# (url prefix, viewset, basename) for crm_project/api_urls.py
ROUTES = [("leads", LeadViewSet, "lead")]
