"""`Idempotency-Key` on create endpoints: the first request with a key creates the object and
its answer is kept; a retry with the same key gets that answer back, and concurrent requests
with one key create one object (the second waits on the key's unique index until the first
commits, then reads its answer). Keys are per user and kept for IDEMPOTENCY_KEY_DAYS."""

import datetime
import hashlib
import json

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from core.errors import ApplicationError
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"


def _fingerprint(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str)
    return hashlib.sha256(f"{request.method} {request.path}\n{body}".encode()).hexdigest()


class IdempotentCreateMixin:
    """For a ModelViewSet: honours the Idempotency-Key header on `create`."""

    def create(self, request, *args, **kwargs):
        key = request.headers.get(HEADER, "").strip()
        if not key:
            return super().create(request, *args, **kwargs)
        if len(key) > 255:
            raise ApplicationError(_("An Idempotency-Key has at most 255 characters."),
                                   code="idempotency_key_too_long")  # fmt: skip
        fingerprint = _fingerprint(request)
        with transaction.atomic():
            record, created = IdempotencyRecord.objects.select_for_update().get_or_create(
                user=request.user, key=key, defaults={"fingerprint": fingerprint}
            )
            if not created:
                return self._replay(record, fingerprint)
            response = super().create(request, *args, **kwargs)
            record.response_status, record.response_body = response.status_code, response.data
            record.save(update_fields=["response_status", "response_body", "updated_at"])
        response["Idempotency-Key"] = key
        return response

    def _replay(self, record: IdempotencyRecord, fingerprint: str) -> Response:
        if record.fingerprint != fingerprint:
            raise ApplicationError(
                _("This Idempotency-Key was used for another request."),
                code="idempotency_key_reused",
            )
        response = Response(
            record.response_body, status=record.response_status or status.HTTP_200_OK
        )
        response["Idempotency-Key"] = record.key
        response["Idempotent-Replayed"] = "true"
        return response


def idempotency_records_purge(*, older_than_days: int | None = None) -> int:
    """Forget the answers kept for Idempotency-Keys older than IDEMPOTENCY_KEY_DAYS (a retry
    after that creates anew). Returns how many were deleted."""
    days = older_than_days if older_than_days is not None else settings.IDEMPOTENCY_KEY_DAYS
    cutoff = timezone.now() - datetime.timedelta(days=days)
    deleted, _by_model = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
