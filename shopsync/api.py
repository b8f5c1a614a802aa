"""REST push of shop orders: `POST /api/v1/shop-orders/` with the shop's own token
(`Authorization: Bearer <token>`, shown once when an administrator issues it). The same
idempotent intake as the CommerceML documents: the order's deal is created once and updated
after; the answer names the deal and its page."""

from decimal import Decimal

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import OpenApiExample, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import BasePermission
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle

from core.urls import entity_url

from .models import Shop, SyncRun
from .orders import IncomingCustomer, IncomingLine, IncomingOrder
from .services import CREATED, order_ingest, shop_by_token
from .sync_runs import sync_run_finish, sync_run_start


class ShopTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer <shop token>`: the request is the shop's (request.auth)."""

    keyword = b"bearer"

    def authenticate(self, request):
        header = get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword:
            return None
        if len(header) != 2:
            raise AuthenticationFailed("Give the shop's token after Bearer.")
        shop = shop_by_token(header[1].decode("latin-1"))
        if shop is None:
            raise AuthenticationFailed("Unknown or inactive shop token.")
        return (None, shop)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="shop orders"'


class ShopTokenScheme(OpenApiAuthenticationExtension):
    target_class = ShopTokenAuthentication
    name = "shopToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "The shop's REST token."}


class ShopPushThrottle(SimpleRateThrottle):
    """Pushes per shop, at the rate SHOP_PUSH_THROTTLE_RATE (read per request)."""

    scope = "shop_push"

    def get_rate(self) -> str:
        return settings.SHOP_PUSH_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": f"shop-{request.auth.pk}"}


class IsShop(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, Shop)


class CustomerSerializer(serializers.Serializer):
    customer_id = serializers.CharField(max_length=100, required=False, default="",
                                        allow_blank=True)  # fmt: skip
    last_name = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    first_name = serializers.CharField(max_length=100, required=False, default="",
                                       allow_blank=True)  # fmt: skip
    middle_name = serializers.CharField(max_length=100, required=False, default="",
                                        allow_blank=True)  # fmt: skip
    email = serializers.CharField(max_length=255, required=False, default="", allow_blank=True)
    phone = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    address = serializers.CharField(required=False, default="", allow_blank=True)
    company_name = serializers.CharField(max_length=255, required=False, default="",
                                         allow_blank=True)  # fmt: skip
    inn = serializers.CharField(max_length=12, required=False, default="", allow_blank=True)
    kpp = serializers.CharField(max_length=9, required=False, default="", allow_blank=True)
    legal_address = serializers.CharField(required=False, default="", allow_blank=True)


class LineSerializer(serializers.Serializer):
    product_id = serializers.CharField(max_length=100, required=False, default="",
                                       allow_blank=True)  # fmt: skip
    name = serializers.CharField(max_length=255)
    quantity = serializers.DecimalField(max_digits=18, decimal_places=3, min_value=Decimal("0.001"))
    price = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0)
    discount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0,
                                        required=False, default=0)  # fmt: skip
    vat_rate = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0,
                                        max_value=100, required=False, allow_null=True,
                                        default=None)  # fmt: skip
    is_vat_included = serializers.BooleanField(required=False, default=True)
    article = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)


class OrderSerializer(serializers.Serializer):
    """An order as the shop sends it; unknown fields are refused, not dropped silently."""

    id = serializers.CharField(max_length=100, help_text="The order's id in the shop.")
    number = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    version = serializers.CharField(
        max_length=100, required=False, default="", allow_blank=True,
        help_text="The order's version in the shop: a version already received changes nothing.",
    )  # fmt: skip
    currency = serializers.CharField(max_length=3, required=False, default="", allow_blank=True)
    created_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    customer = CustomerSerializer()
    items = LineSerializer(many=True, allow_empty=False)
    delivery_price = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=0,
                                              required=False, default=0)  # fmt: skip
    delivery_method = serializers.CharField(max_length=255, required=False, default="",
                                            allow_blank=True)  # fmt: skip
    payment_method = serializers.CharField(max_length=255, required=False, default="",
                                           allow_blank=True)  # fmt: skip
    status = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    is_paid = serializers.BooleanField(required=False, default=False)
    is_shipped = serializers.BooleanField(required=False, default=False)
    is_cancelled = serializers.BooleanField(required=False, default=False)
    comment = serializers.CharField(required=False, default="", allow_blank=True)
    # what the shop's pipeline rules look at
    site = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    customer_group = serializers.CharField(max_length=100, required=False, default="",
                                           allow_blank=True)  # fmt: skip

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)

    def incoming(self) -> IncomingOrder:
        data = self.validated_data
        lines = [
            IncomingLine(
                external_id=item["product_id"], name=item["name"], quantity=item["quantity"],
                price=item["price"], discount=item["discount"], vat_rate=item["vat_rate"],
                is_vat_included=item["is_vat_included"], article=item["article"],
            )
            for item in data["items"]
        ]  # fmt: skip
        if data["delivery_price"]:
            lines.append(IncomingLine(external_id="", name=data["delivery_method"],
                                      quantity=1, price=data["delivery_price"],
                                      is_delivery=True))  # fmt: skip
        return IncomingOrder(
            external_id=data["id"].strip(), number=data["number"], version=data["version"],
            currency=data["currency"], customer=IncomingCustomer(**data["customer"]),
            lines=tuple(lines), ordered_at=data["created_at"], comment=data["comment"],
            status_code=data["status"], is_paid=data["is_paid"], is_shipped=data["is_shipped"],
            is_cancelled=data["is_cancelled"], payment_method=data["payment_method"],
            delivery_method=data["delivery_method"], site=data["site"], region=data["region"],
            customer_group=data["customer_group"],
            amount=sum(((line.price - line.discount) * line.quantity for line in lines),
                       Decimal(0)),
        )  # fmt: skip


ORDER_EXAMPLE = {
    "id": "1042", "number": "A-1042", "version": "3", "currency": "RUB",
    "created_at": "2026-11-20T10:15:00+03:00",
    "customer": {"customer_id": "77", "last_name": "Ivanova", "first_name": "Anna",
                 "email": "anna@example.com", "phone": "+7 916 123-45-67"},
    "items": [{"product_id": "SKU-1", "name": "Kettle", "quantity": "2", "price": "1990.00",
               "discount": "100.00", "vat_rate": "20"}],
    "delivery_price": "300.00", "delivery_method": "Courier", "payment_method": "Card",
    "status": "N", "is_paid": False,
}  # fmt: skip


class ShopOrderViewSet(viewsets.ViewSet):
    authentication_classes = [ShopTokenAuthentication]
    permission_classes = [IsShop]
    throttle_classes = [ShopPushThrottle]

    @extend_schema(
        summary="Push a shop order",
        description=(
            "Creates the order's deal, or updates it when the order was received before "
            "(idempotent on the shop and the order id; a version already received changes "
            "nothing). Authenticate with the shop's token: `Authorization: Bearer <token>`."
        ),
        request=OrderSerializer,
        responses={
            201: inline_serializer(
                "ShopOrderAccepted",
                {
                    "deal_id": serializers.IntegerField(),
                    "deal_url": serializers.URLField(),
                    "outcome": serializers.ChoiceField(["created", "updated", "unchanged"]),
                    "conflict": serializers.BooleanField(),
                },
            ),  # fmt: skip
        },
        examples=[OpenApiExample("An order", value=ORDER_EXAMPLE, request_only=True)],
        tags=["shops"],
    )
    def create(self, request) -> Response:
        shop: Shop = request.auth
        serializer = OrderSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        order = serializer.incoming()
        run = sync_run_start(shop=shop, kind=SyncRun.Kind.REST)
        try:
            result = order_ingest(shop=shop, order=order)
        except Exception as error:
            sync_run_finish(run=run, seen=1, failed=1, errors=[(order.external_id, error)])
            raise
        sync_run_finish(run=run, seen=1, outcomes=[result.outcome])
        deal = result.deal
        return Response(
            {"deal_id": deal.pk, "deal_url": request.build_absolute_uri(entity_url(deal)),
             "outcome": result.outcome, "conflict": result.is_conflict},
            status=status.HTTP_201_CREATED if result.outcome == CREATED else status.HTTP_200_OK,
        )  # fmt: skip


ROUTES = [("shop-orders", ShopOrderViewSet, "shop-order")]
