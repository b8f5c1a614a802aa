"""The catalog over the REST API: products (filters, ordering, cursor pages), the section tree,
currencies and their rates, and the product rows of a deal or a lead. Reads go through
catalog.selectors (any product scope opens the whole catalog), writes through
catalog.services and the owners' set-product-rows services, like the UI's."""

from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_serializer,
    extend_schema_view,
)
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from accounts.api import CanManageSettingsOrReadOnly, with_parent_id
from accounts.api_access import ScopedModelViewSet
from accounts.models import PermissionAction, PermissionEntity
from core.api.fields import SelectableFieldsMixin
from deals.selectors import deal_get
from deals.services import deal_set_product_rows
from leads.selectors import lead_get
from leads.services import lead_set_product_rows

from .filters import ProductApiFilter
from .models import Currency, Product, ProductRow, Section
from .rows_editor import MAX_ROWS
from .selectors import catalog_require, product_list, product_rows_of, section_tree
from .services import (
    ProductRowInput,
    currency_base,
    currency_convert,
    currency_set_rate,
    product_create,
    product_delete,
    product_update,
    section_create,
    section_move,
    section_update,
)

PRODUCT_EXAMPLE = {
    "id": 15, "name": "Green tea, 100 g", "description": "", "section": 4, "sku": "GT-100",
    "price": "350.00", "currency": "RUB", "measure": "pcs", "vat_rate": "20.00",
    "is_vat_included": True, "is_active": True, "sort": 500, "origin": "manual",
    "external_id": "", "created_at": "2026-11-20T10:15:00+03:00",
    "updated_at": "2026-11-20T10:15:00+03:00",
}  # fmt: skip
ROWS_EXAMPLE = {
    "rows": [
        {"product": 15, "name": "Green tea, 100 g", "price": "350.00", "quantity": "10",
         "discount_type": "percent", "discount": "5", "tax_rate": "20.00", "tax_included": True},
        {"product": None, "name": "Delivery", "price": "500.00", "quantity": "1"},
    ],
}  # fmt: skip


# products


class ProductSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    currency = serializers.PrimaryKeyRelatedField(
        queryset=Currency.objects.all(), required=False,
        help_text=_("Default: the base currency."),
    )  # fmt: skip

    class Meta:
        model = Product
        fields = [
            "id", "name", "description", "section", "sku", "price", "currency", "measure",
            "vat_rate", "is_vat_included", "is_active", "sort", "origin", "external_id",
            "created_at", "updated_at",
        ]  # fmt: skip
        # products from a shop arrive through the shop sync, never through this API
        read_only_fields = ["origin", "external_id", "created_at", "updated_at"]
        extra_kwargs = {"price": {"min_value": 0},
                        "vat_rate": {"min_value": 0, "max_value": 100}}  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="Catalog products (any product scope shows all of them)"),
    retrieve=extend_schema(
        summary="One product",
        examples=[OpenApiExample("A product", value=PRODUCT_EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Add a product (needs the product add scope)",
        examples=[
            OpenApiExample(
                "A product",
                request_only=True,
                value={
                    "name": "Green tea, 100 g",
                    "price": "350.00",
                    "section": 4,
                    "vat_rate": "20.00",
                },
            )
        ],
    ),  # fmt: skip
    update=extend_schema(summary="Change a product (needs the product edit scope)"),
    partial_update=extend_schema(summary="Change some fields of a product"),
    destroy=extend_schema(summary="Delete a product; deal and lead rows keep their copy"),
)
class ProductViewSet(ScopedModelViewSet):
    entity = PermissionEntity.PRODUCT
    serializer_class = ProductSerializer
    parser_classes = [JSONParser]  # a form cannot say null (no section, no VAT)
    filterset_class = ProductApiFilter
    ordering_fields = ["name", "sku", "price", "sort", "created_at", "updated_at", "id"]

    def get_queryset(self):
        return product_list(actor=self.request.user).order_by("-created_at", "-id")

    def object_queryset(self):
        return Product.objects.select_related("section", "currency")

    def perform_create(self, serializer):
        catalog_require(self.request.user, PermissionAction.ADD)
        data = dict(serializer.validated_data)
        currency = data.pop("currency", None) or currency_base()
        serializer.instance = product_create(
            name=data.pop("name"), price=data.pop("price", Decimal(0)), currency=currency, **data
        )

    def perform_update(self, serializer):
        product_update(product=serializer.instance, data=dict(serializer.validated_data))

    def perform_destroy(self, instance):
        product_delete(product=instance)


# sections


class SectionSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    parent = serializers.IntegerField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Section
        fields = ["id", "name", "parent", "depth", "is_active", "origin", "external_id",
                  "created_at", "updated_at"]  # fmt: skip
        read_only_fields = ["depth", "origin", "external_id", "created_at", "updated_at"]


class SectionCreateSerializer(SectionSerializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Section.objects.all(), required=False, allow_null=True,
        help_text=_("Default: a top-level section."),
    )  # fmt: skip

    def to_representation(self, section: Section) -> dict:
        return SectionSerializer(section, context=self.context).data


class SectionMoveSerializer(serializers.Serializer):
    parent = serializers.PrimaryKeyRelatedField(
        queryset=Section.objects.all(), allow_null=True,
        help_text=_("The new parent; null: the top level. The section becomes its last child."),
    )  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="The catalog sections: the tree depth-first, with parent and depth"),
    retrieve=extend_schema(summary="One section"),
    create=extend_schema(
        summary="Add a section (needs the product add scope)",
        request=SectionCreateSerializer,
        responses={201: SectionSerializer},
        examples=[
            OpenApiExample("A sub-section", value={"name": "Tea", "parent": 4}, request_only=True)
        ],
    ),  # fmt: skip
    update=extend_schema(summary="Rename or (de)activate a section"),
    partial_update=extend_schema(summary="Rename or (de)activate a section"),
)
class SectionViewSet(ScopedModelViewSet):
    entity = PermissionEntity.PRODUCT
    serializer_class = SectionSerializer
    parser_classes = [JSONParser]  # a form cannot say null (the top level)
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    ordering_fields = ["path"]
    ordering = ("path",)

    def get_queryset(self):
        return with_parent_id(section_tree(actor=self.request.user))

    def object_queryset(self):
        return with_parent_id(Section.objects.all())

    def get_serializer_class(self):
        if self.action == "create":
            return SectionCreateSerializer
        if self.action == "move":
            return SectionMoveSerializer
        return SectionSerializer

    def _answer(self, section: Section) -> Section:
        return self.object_queryset().get(pk=section.pk)

    def perform_create(self, serializer):
        catalog_require(self.request.user, PermissionAction.ADD)
        created = section_create(**serializer.validated_data)
        serializer.instance = self._answer(created)

    def perform_update(self, serializer):
        section_update(section=serializer.instance, data=dict(serializer.validated_data))
        serializer.instance = self._answer(serializer.instance)

    @extend_schema(summary="Move the section (with its sub-sections) under another parent",
                   request=SectionMoveSerializer, responses=SectionSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def move(self, request, pk=None):
        section = self.get_object()
        serializer = SectionMoveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        moved = section_move(section=section, parent=serializer.validated_data["parent"])
        context = self.get_serializer_context()
        return Response(SectionSerializer(self._answer(moved), context=context).data)


# currencies


class CurrencySerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Currency
        fields = ["code", "name", "symbol", "rate", "rate_updated_at", "is_base", "sort"]
        read_only_fields = fields


class CurrencyRateSerializer(serializers.Serializer):
    rate = serializers.DecimalField(max_digits=20, decimal_places=10,
                                    help_text=_("What one unit costs in the base currency."))  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="Currencies and their current rates"),
    retrieve=extend_schema(summary="One currency"),
)
class CurrencyViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = CurrencySerializer
    permission_classes = [CanManageSettingsOrReadOnly]
    parser_classes = [JSONParser]
    lookup_value_regex = "[A-Za-z]{3}"
    ordering_fields = ["sort", "code"]
    ordering = ("sort", "code")

    def get_queryset(self):
        return Currency.objects.all()

    @extend_schema(summary="Set the currency's rate (settings managers)",
                   request=CurrencyRateSerializer, responses=CurrencySerializer,
                   examples=[OpenApiExample("A rate", value={"rate": "92.5"},
                                            request_only=True)])  # fmt: skip
    @action(detail=True, methods=["post"], url_path="set-rate")
    def set_rate(self, request, pk=None):
        currency = self.get_object()
        serializer = CurrencyRateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        currency = currency_set_rate(currency=currency, rate=serializer.validated_data["rate"])
        return Response(CurrencySerializer(currency, context=self.get_serializer_context()).data)


# product rows of a deal or a lead


class ProductRowSerializer(serializers.Serializer):
    """One row, as it is read and as it is written back (a GET answer can be PUT again)."""

    product = serializers.IntegerField(source="product_id", required=False, allow_null=True,
                                       default=None,
                                       help_text=_("A catalog product's id, or null."))  # fmt: skip
    name = serializers.CharField(
        source="product_name", required=False, allow_blank=True, max_length=255, default="",
        help_text=_("Default: the product's name. Needed without a product."),
    )  # fmt: skip
    price = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=Decimal(0), required=False, allow_null=True,
        default=None,
        help_text=_("In the owner's currency. Default: the product's price, converted."),
    )  # fmt: skip
    quantity = serializers.DecimalField(max_digits=18, decimal_places=4,
                                        min_value=Decimal("0.0001"))  # fmt: skip
    measure = serializers.ChoiceField(choices=Product.Measure.choices, required=False,
                                      allow_blank=True, default="")  # fmt: skip
    discount_type = serializers.ChoiceField(choices=ProductRow.DiscountType.choices,
                                            default=ProductRow.DiscountType.PERCENT)  # fmt: skip
    discount = serializers.DecimalField(
        max_digits=18, decimal_places=2, min_value=Decimal(0), default=Decimal(0),
        help_text=_("Percent, or an amount per unit in the owner's currency."),
    )  # fmt: skip
    tax_rate = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=Decimal(0), max_value=Decimal(100),
        required=False, allow_null=True, default=None,
        help_text=_("Percent; null: the product's VAT."),
    )  # fmt: skip
    tax_included = serializers.BooleanField(source="is_tax_included", default=True)
    tax_total = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    line_total = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    def to_representation(self, row: ProductRow) -> dict:
        is_percent = row.discount_type == ProductRow.DiscountType.PERCENT
        values = {
            "product": row.product_id, "name": row.product_name, "price": row.price,
            "quantity": row.quantity, "measure": row.measure, "discount_type": row.discount_type,
            "discount": row.discount_rate if is_percent else row.discount_amount,
            "tax_rate": row.tax_rate, "tax_included": row.is_tax_included,
            "tax_total": row.tax_total, "line_total": row.line_total,
        }  # fmt: skip
        return {
            name: None if value is None else self.fields[name].to_representation(value)
            for name, value in values.items()
        }

    def validate(self, attrs: dict) -> dict:
        if attrs["product_id"] is None:
            if not attrs["product_name"].strip():
                raise serializers.ValidationError({"name": _("A row needs a product or a name.")})
            if attrs["price"] is None:
                raise serializers.ValidationError(
                    {"price": _("A row without a catalog product needs a price.")}
                )
        is_percent = attrs["discount_type"] == ProductRow.DiscountType.PERCENT
        if is_percent and attrs["discount"] > 100:
            raise serializers.ValidationError({"discount": _("A discount is at most 100%.")})
        if not is_percent and attrs["price"] is not None and attrs["discount"] > attrs["price"]:
            raise serializers.ValidationError({"discount": _("A discount is at most the price.")})
        return attrs


@extend_schema_serializer(many=False)
class ProductRowsSerializer(serializers.Serializer):
    rows = ProductRowSerializer(many=True, max_length=MAX_ROWS)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    tax_amount = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)
    currency = serializers.CharField(read_only=True)

    def validate_rows(self, rows: list[dict]) -> list[dict]:
        """Products are read through the catalog's policy, all in one query."""
        wanted = {row["product_id"] for row in rows if row["product_id"] is not None}
        actor = self.context["request"].user
        products = product_list(actor=actor).in_bulk(wanted) if wanted else {}
        errors = [
            {"product": [_("No such product.")]}
            if row["product_id"] is not None and row["product_id"] not in products
            else {}
            for row in rows
        ]
        if any(errors):
            raise serializers.ValidationError(errors)
        return [row | {"product": products.get(row["product_id"])} for row in rows]


def _row_input(row: dict, *, owner: models.Model) -> ProductRowInput:
    product, price = row["product"], row["price"]
    is_percent = row["discount_type"] == ProductRow.DiscountType.PERCENT
    if product is not None and price is None and not is_percent and row["discount"]:
        # an amount off is in the owner's currency: so must the price be
        price = currency_convert(product.price, source=product.currency, target=owner.currency)
    return ProductRowInput(
        quantity=row["quantity"],
        product=product,
        product_name=row["product_name"].strip(),
        price=price,
        price_currency=owner.currency if price is not None else None,
        discount_type=row["discount_type"],
        discount_rate=row["discount"] if is_percent else Decimal(0),
        discount_amount=Decimal(0) if is_percent else row["discount"],
        tax_rate=row["tax_rate"],
        is_tax_included=row["is_tax_included"],
        measure=row["measure"],
    )


def _with_field_paths(error: DjangoValidationError) -> serializers.ValidationError:
    """The service names a wrong row "rows[1]"; the API's paths are "rows.1"."""
    if not hasattr(error, "error_dict"):
        return serializers.ValidationError({"rows": error.messages})
    return serializers.ValidationError(
        {key.replace("[", ".").replace("]", ""): messages
         for key, messages in error.message_dict.items()}
    )  # fmt: skip


OWNER_PK = OpenApiParameter("owner_pk", int, OpenApiParameter.PATH,
                            description="The id of the deal or the lead.")  # fmt: skip


class ProductRowsViewSet(viewsets.GenericViewSet):
    """GET the owner's rows (needs the view right on it), PUT replaces all of them (needs the
    edit right) through the owner's set-product-rows service."""

    serializer_class = ProductRowsSerializer
    parser_classes = [JSONParser]  # rows nest: a form cannot carry them
    pagination_class = None
    filter_backends = []

    @classmethod
    def as_view(cls, actions=None, **initkwargs):
        # the router maps a collection's GET (and POST); these rows are replaced as a whole
        if actions and actions.get("get") == "list":
            actions = {"get": "list", "put": "replace"}
        return super().as_view(actions, **initkwargs)

    def get_owner(self, permission_action: str) -> models.Model:
        raise NotImplementedError

    def save_rows(self, owner: models.Model, rows: list[ProductRowInput]) -> models.Model:
        raise NotImplementedError

    def get_object(self) -> models.Model:
        """The owner, for editing (what OPTIONS asks before describing PUT)."""
        try:
            return self.get_owner(PermissionAction.EDIT)
        except ObjectDoesNotExist:
            raise Http404 from None

    def _answer(self, owner: models.Model) -> Response:
        rows = list(product_rows_of(owner))
        answer = {
            "rows": rows,
            "amount": owner.amount,
            "tax_amount": sum((row.tax_total for row in rows), Decimal(0)),
            "currency": owner.currency_id,
        }
        return Response(ProductRowsSerializer(answer, context=self.get_serializer_context()).data)

    @extend_schema(summary="The product rows of the deal or the lead", parameters=[OWNER_PK])
    def list(self, request, owner_pk=None):
        return self._answer(self.get_owner(PermissionAction.VIEW))

    @extend_schema(
        summary="Replace all product rows; the owner's amount becomes their total",
        parameters=[OWNER_PK],
        examples=[OpenApiExample("Two rows", value=ROWS_EXAMPLE, request_only=True)],
    )
    def replace(self, request, owner_pk=None):
        owner = self.get_owner(PermissionAction.EDIT)
        serializer = ProductRowsSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        rows = [_row_input(row, owner=owner) for row in serializer.validated_data["rows"]]
        try:
            owner = self.save_rows(owner, rows)
        except DjangoValidationError as error:
            raise _with_field_paths(error) from error
        return self._answer(owner)


class DealProductRowsViewSet(ProductRowsViewSet):
    def get_owner(self, permission_action: str) -> models.Model:
        return deal_get(actor=self.request.user, deal_id=self.kwargs["owner_pk"],
                        action=permission_action)  # fmt: skip

    def save_rows(self, owner, rows):
        return deal_set_product_rows(deal=owner, rows=rows, actor=self.request.user)


class LeadProductRowsViewSet(ProductRowsViewSet):
    def get_owner(self, permission_action: str) -> models.Model:
        return lead_get(actor=self.request.user, lead_id=self.kwargs["owner_pk"],
                        action=permission_action)  # fmt: skip

    def save_rows(self, owner, rows):
        return lead_set_product_rows(lead=owner, rows=rows, actor=self.request.user)


# (url prefix, viewset, basename) for crm_project/api_urls.py
ROUTES = [
    ("products", ProductViewSet, "product"),
    ("sections", SectionViewSet, "section"),
    ("currencies", CurrencyViewSet, "currency"),
    (r"deals/(?P<owner_pk>[0-9]+)/product-rows", DealProductRowsViewSet, "deal-product-rows"),
    (r"leads/(?P<owner_pk>[0-9]+)/product-rows", LeadProductRowsViewSet, "lead-product-rows"),
]
