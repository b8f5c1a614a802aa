"""REST API authentication by per-user tokens (`Authorization: Bearer <token>`, or `Token`),
and throttling per token."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.throttling import SimpleRateThrottle

from core.secrets import secret_digest
from core.services import last_used_touch

from .models import ApiToken


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        parts = authentication.get_authorization_header(request).split()
        if not parts or parts[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed(_("Give the token after the word Bearer."))
        token = parts[1].decode(errors="replace")
        found = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=secret_digest(token), revoked_at=None)
            .first()
        )
        if found is None or not found.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token is unknown or revoked."))
        last_used_touch(found)
        return found.user, found

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class PerTokenRateThrottle(SimpleRateThrottle):
    """Requests per token (for the browser's session: per user), rate `api` in settings."""

    scope = "api"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}


class ApiTokenScheme(OpenApiAuthenticationExtension):
    """How the schema describes ApiTokenAuthentication: an HTTP bearer token."""

    target_class = ApiTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer"}
