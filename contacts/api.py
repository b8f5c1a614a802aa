"""Contacts and companies over the REST API: list (filters, ordering, cursor pages), read,
create, change, delete, and the verb merge. Phones and e-mails are read and written as
lists of {value, type}; writes go through contacts.services, like the UI's."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from accounts.api_access import ScopedModelViewSet
from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import get_within, require_assign
from core.api.fields import SelectableFieldsMixin

from .communications import normalize
from .filters import CompanyFilter, ContactApiFilter
from .models import Communication, Company, CompanyRequisite, Contact
from .selectors import company_list_rows, contact_list_rows
from .services import (
    CommunicationInput,
    communications_replace,
    company_create,
    company_delete,
    company_merge,
    company_update,
    contact_create,
    contact_delete,
    contact_merge,
    contact_update,
)

# serializer field -> the kind of communication it lists
COMMUNICATION_FIELDS = {
    "phones": Communication.Kind.PHONE,
    "emails": Communication.Kind.EMAIL,
    "websites": Communication.Kind.WEB,
    "messengers": Communication.Kind.MESSENGER,
}

CONTACT_EXAMPLE = {
    "id": 31, "honorific": "", "first_name": "Anna", "middle_name": "", "last_name": "Ivanova",
    "position": "Buyer", "birthdate": None, "contact_type": "client", "address": "",
    "comments": "", "source": 2, "responsible": 7, "companies": [12],
    "phones": [{"value": "+7 916 123-45-67", "type": "mobile"}],
    "emails": [{"value": "anna@ecoshop.example", "type": "work"}], "websites": [],
    "messengers": [], "created_at": "2026-11-20T10:15:00+03:00",
    "updated_at": "2026-11-21T09:00:00+03:00",
}  # fmt: skip


class CommunicationSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=255)
    type = serializers.ChoiceField(choices=Communication.Label.choices,
                                   default=Communication.Label.WORK)  # fmt: skip


@extend_schema_field(CommunicationSerializer(many=True))
class CommunicationsField(serializers.Field):
    """The owner's communications of one kind as [{value, type}]; written as a whole list
    (an absent field keeps what the owner has)."""

    def __init__(self, kind: str, **kwargs):
        self.kind = kind
        super().__init__(source="*", required=False, **kwargs)

    def to_representation(self, owner):
        # .all() reads the prefetched rows: no query per owner in a list
        return [
            {"value": item.value, "type": item.label}
            for item in owner.communications.all()
            if item.kind == self.kind
        ]

    def to_internal_value(self, data):
        items = CommunicationSerializer(data=data, many=True)
        items.is_valid(raise_exception=True)
        errors = {}
        for index, item in enumerate(items.validated_data):
            try:
                normalize(self.kind, item["value"])
            except DjangoValidationError as error:
                errors[index] = {"value": error.messages}
        if errors:
            raise serializers.ValidationError([errors.get(i, {}) for i in range(len(data))])
        return {
            self.field_name: [
                CommunicationInput(kind=self.kind, value=item["value"], label=item["type"])
                for item in items.validated_data
            ]
        }


class CommunicationsMixin(serializers.Serializer):
    phones = CommunicationsField(Communication.Kind.PHONE)
    emails = CommunicationsField(Communication.Kind.EMAIL)
    websites = CommunicationsField(Communication.Kind.WEB)
    messengers = CommunicationsField(Communication.Kind.MESSENGER)


def split_communications(data: dict) -> tuple[dict, dict[str, list[CommunicationInput]] | None]:
    """The fields of the item, and the communications given by kind (None: none given)."""
    data = dict(data)
    given = {name: data.pop(name) for name in COMMUNICATION_FIELDS if name in data}
    return data, (given or None)


def communications_save(*, owner, given: dict[str, list[CommunicationInput]] | None) -> None:
    """Replace the kinds of communications that were given; the other kinds stay."""
    if given is None:
        return
    kept = [
        CommunicationInput(kind=item.kind, value=item.value, label=item.label)
        for item in owner.communications.order_by("kind", "id")
        if item.kind not in {COMMUNICATION_FIELDS[name] for name in given}
    ]
    communications_replace(owner=owner, items=[*kept, *(i for v in given.values() for i in v)])


def all_communications(given: dict[str, list[CommunicationInput]] | None):
    return [item for items in (given or {}).values() for item in items]


class MergeSerializer(serializers.Serializer):
    duplicates = serializers.ListField(
        child=serializers.IntegerField(min_value=1), min_length=1, max_length=50,
        help_text=_("Ids of the items merged into this one and then deleted."),
    )  # fmt: skip


def merge_duplicates(view, target, entity: str, model) -> list:
    """The duplicates of a merge request, each checked for the delete right (404 out of
    sight, 403 seen but not deletable). The target itself is passed on for the service to
    refuse."""
    serializer = MergeSerializer(data=view.request.data)
    serializer.is_valid(raise_exception=True)
    return [
        target
        if pk == target.pk
        else get_within(
            model._default_manager.all(),
            user=view.request.user,
            entity=entity,
            pk=pk,
            action=PermissionAction.DELETE,
        )  # fmt: skip
        for pk in dict.fromkeys(serializer.validated_data["duplicates"])
    ]


class ContactSerializer(SelectableFieldsMixin, CommunicationsMixin, serializers.ModelSerializer):
    companies = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id", "honorific", "first_name", "middle_name", "last_name", "position", "birthdate",
            "contact_type", "address", "comments", "source", "responsible", "companies",
            "phones", "emails", "websites", "messengers", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]

    def validate(self, attrs):
        first = attrs.get("first_name", getattr(self.instance, "first_name", ""))
        last = attrs.get("last_name", getattr(self.instance, "last_name", ""))
        if not (first.strip() or last.strip()):
            raise serializers.ValidationError(
                {"last_name": _("Give the contact a first or last name.")}
            )
        return attrs


class RequisiteSerializer(serializers.ModelSerializer):
    # a plain string in the schema: an enum named "kind" would collide with the activities'
    kind = serializers.CharField(
        read_only=True, help_text="legal_entity, sole_proprietor or individual"
    )

    class Meta:
        model = CompanyRequisite
        fields = [
            "id", "kind", "full_name", "inn", "kpp", "ogrn", "legal_address", "postal_address",
            "bank_name", "bik", "settlement_account", "correspondent_account",
        ]  # fmt: skip
        read_only_fields = fields


class CompanySerializer(SelectableFieldsMixin, CommunicationsMixin, serializers.ModelSerializer):
    requisites = RequisiteSerializer(many=True, read_only=True)

    class Meta:
        model = Company
        fields = [
            "id", "title", "company_type", "industry", "revenue", "currency", "employees",
            "address", "comments", "source", "responsible", "requisites", "phones", "emails",
            "websites", "messengers", "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"revenue": {"min_value": 0}}


MERGE_SCHEMA = {
    "request": MergeSerializer,
    "examples": [
        OpenApiExample("Two duplicates", value={"duplicates": [32, 40]}, request_only=True)
    ],  # fmt: skip
}


class ClientViewSet(ScopedModelViewSet):
    """What contacts and companies share: phones and e-mails written beside the fields, the
    responsible checked against the add / edit scope, and the merge verb. A subclass names
    its services (`create_item`, `update_item`, `delete_item`, `merge_items`)."""

    def get_serializer_class(self):
        return MergeSerializer if self.action == "merge" else self.serializer_class

    @transaction.atomic
    def perform_create(self, serializer):
        data, given = split_communications(serializer.validated_data)
        responsible = data.pop("responsible", None) or self.request.user
        require_assign(self.request.user, self.entity, responsible, action=PermissionAction.ADD)
        serializer.instance = self.create_item(actor=self.request.user, responsible=responsible,
                                               communications=all_communications(given), **data)  # fmt: skip

    @transaction.atomic
    def perform_update(self, serializer):
        data, given = split_communications(serializer.validated_data)
        if "responsible" in data:
            require_assign(self.request.user, self.entity, data["responsible"], action=PermissionAction.EDIT)  # fmt: skip
        item = self.update_item(serializer.instance, self.request.user, data)
        communications_save(owner=item, given=given)
        serializer.instance = self.object_queryset().get(pk=item.pk)

    def perform_destroy(self, instance):
        self.delete_item(instance, self.request.user)

    @action(detail=True, methods=["post"])
    def merge(self, request, pk=None):
        target = self.get_object()
        model = self.serializer_class.Meta.model
        duplicates = merge_duplicates(self, target, self.entity, model)
        merged = self.merge_items(target=target, duplicates=duplicates, actor=request.user)
        merged = self.object_queryset().get(pk=merged.pk)
        return Response(self.serializer_class(merged, context=self.get_serializer_context()).data)


@extend_schema_view(
    list=extend_schema(summary="Contacts the user may see"),
    create=extend_schema(
        summary="Create a contact",
        examples=[
            OpenApiExample(
                "A contact",
                value={
                    "first_name": "Anna",
                    "last_name": "Ivanova",
                    "phones": [{"value": "+7 916 123-45-67", "type": "mobile"}],
                },
                request_only=True,
            )
        ],  # fmt: skip
    ),
    merge=extend_schema(
        summary="Merge duplicate contacts into this one",
        responses=ContactSerializer,
        **MERGE_SCHEMA,
    ),
    retrieve=extend_schema(
        summary="One contact",
        examples=[OpenApiExample("A contact", value=CONTACT_EXAMPLE, response_only=True)],
    ),
)
class ContactViewSet(ClientViewSet):
    entity = PermissionEntity.CONTACT
    serializer_class = ContactSerializer
    filterset_class = ContactApiFilter
    ordering_fields = ["created_at", "updated_at", "last_name", "first_name", "id"]
    create_item = staticmethod(contact_create)
    merge_items = staticmethod(contact_merge)

    def get_queryset(self):
        return contact_list_rows(actor=self.request.user)

    def object_queryset(self):
        return Contact.objects.prefetch_related("communications", "companies")

    @staticmethod
    def update_item(contact, actor, data):
        return contact_update(contact=contact, actor=actor, data=data)

    @staticmethod
    def delete_item(contact, actor):
        contact_delete(contact=contact, actor=actor)


@extend_schema_view(
    list=extend_schema(summary="Companies the user may see"),
    create=extend_schema(
        summary="Create a company",
        examples=[
            OpenApiExample(
                "A company",
                value={"title": "Eco Shop", "emails": [{"value": "info@ecoshop.example"}]},
                request_only=True,
            )
        ],
    ),
    retrieve=extend_schema(summary="One company, with its requisites (read-only)"),
    merge=extend_schema(
        summary="Merge duplicate companies into this one",
        responses=CompanySerializer,
        **MERGE_SCHEMA,
    ),
)
class CompanyViewSet(ClientViewSet):
    entity = PermissionEntity.COMPANY
    serializer_class = CompanySerializer
    filterset_class = CompanyFilter
    ordering_fields = ["created_at", "updated_at", "title", "revenue", "id"]
    create_item = staticmethod(company_create)
    merge_items = staticmethod(company_merge)

    def get_queryset(self):
        return company_list_rows(actor=self.request.user).prefetch_related(_requisites())

    def object_queryset(self):
        return Company.objects.prefetch_related("communications", _requisites())

    @staticmethod
    def update_item(company, actor, data):
        return company_update(company=company, actor=actor, data=data)

    @staticmethod
    def delete_item(company, actor):
        company_delete(company=company, actor=actor)


def _requisites() -> Prefetch:
    return Prefetch("requisites", queryset=CompanyRequisite.objects.order_by("id"))


# (url prefix, viewset, basename) for crm_project/api_urls.py
ROUTES = [("contacts", ContactViewSet, "contact"), ("companies", CompanyViewSet, "company")]
