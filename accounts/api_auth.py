"""REST API authentication by per-user tokens (`Authorization: Bearer <token>`, or `Token`),
and throttling per token."""

import hashlib

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.throttling import SimpleRateThrottle

from .models import ApiToken

# how often a token's "last used" is written: not on every request of a busy script
LAST_USED_PRECISION_SECONDS = 60


def token_hash(token: str) -> str:
    """Tokens are long random strings, so a plain SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode()).hexdigest()


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
            .filter(key_hash=token_hash(token), revoked_at=None)
            .first()
        )
        if found is None or not found.user.is_active:
            raise exceptions.AuthenticationFailed(_("The token is unknown or revoked."))
        now = timezone.now()
        stale = now - timezone.timedelta(seconds=LAST_USED_PRECISION_SECONDS)
        if found.last_used_at is None or found.last_used_at < stale:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
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
