"""The incoming-webhook endpoint: /rest/<user id>/<code>/<method>[.json|.xml][/]."""

import time

from django.views.decorators.csrf import csrf_exempt

from .dispatch import method_call
from .envelope import body_of, error_body, response_of
from .errors import B24Error
from .params import ParamsError, request_params
from .ratelimit import rate_limit_take
from .services import webhook_authenticate


@csrf_exempt  # authenticated by the code in the path, never by a session cookie
def rest_view(request, user_id: int, code: str, method: str = "", suffix: str = ""):
    started = time.time()
    xml = suffix.lower() == "xml"
    try:
        webhook = webhook_authenticate(user_id=user_id, code=code)
        if webhook is None:
            raise B24Error("Wrong authorization data", code="NO_AUTH_FOUND", status=401)
        rate_limit_take(f"webhook:{webhook.pk}")
        try:
            params = request_params(request)
        except ParamsError as error:
            raise B24Error(str(error), code="INVALID_REQUEST") from error
        result = method_call(
            user=webhook.user, scopes=frozenset(webhook.scopes), name=method, params=params
        )
    except B24Error as error:
        return response_of(error_body(error), status=error.status, xml=xml)
    return response_of(body_of(result, started), xml=xml)
