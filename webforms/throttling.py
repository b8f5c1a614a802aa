"""Per-address throttling of the public form's submissions (the form takes no CSRF token: it
lives in an iframe on another site, where the cookie is a third party's)."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle


class WebFormThrottle(SimpleRateThrottle):
    """Submissions per client address, at WEBFORM_THROTTLE_RATE (read per request, so a
    changed setting applies at once). Counted in the cache, like the API's throttles."""

    scope = "webform"

    def get_rate(self) -> str:
        return settings.WEBFORM_THROTTLE_RATE

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
