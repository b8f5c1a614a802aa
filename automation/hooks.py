"""The inbound webhook of a trigger: an outside system (a payment service, a script, a
no-code tool) moves a deal or a lead into the trigger's place by POSTing its id to the
trigger's secret URL. Public (the token in the URL is the credential), so it answers the same
404 for an unknown trigger, an inactive one and a wrong token, and is throttled per client
address."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework.exceptions import NotFound
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from .triggers import trigger_for_token, trigger_hook_fire


class AutomationHookThrottle(SimpleRateThrottle):
    """Calls per client address, at the rate AUTOMATION_HOOK_THROTTLE_RATE (read per request,
    so a changed setting applies at once)."""

    scope = "automation_hook"

    def get_rate(self) -> str:
        return settings.AUTOMATION_HOOK_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


@extend_schema(exclude=True)  # not a resource of the API at /api/v1/
class TriggerHookView(APIView):
    """POST {"entity_id": 123, "entity_type": "deal"} (JSON or a form; entity_type defaults
    to the trigger's) → 200 {"moved": true, "stage": "Won"}; 400 with the API's error shape
    for a missing or unknown item or one of another pipeline; 404 for anything wrong with the
    trigger or the token; 429 past the rate."""

    authentication_classes: list = []  # no session: no CSRF check, no user
    permission_classes = [AllowAny]
    throttle_classes = [AutomationHookThrottle]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def post(self, request, trigger_id: int, token: str) -> Response:
        trigger = trigger_for_token(trigger_id=trigger_id, token=token)
        if trigger is None:
            raise NotFound()
        data = request.data if hasattr(request.data, "get") else {}
        moved, place_name = trigger_hook_fire(
            trigger=trigger,
            entity_type=str(data.get("entity_type") or trigger.entity_type),
            entity_id=data.get("entity_id"),
        )
        return Response({"moved": moved, "stage": place_name})
