"""A lease on a row: one worker at a time holds it (a shop's pull, a mailbox's poll) until a
moment it keeps renewing, so a worker killed mid-way holds it no longer than one lease."""

import datetime
import secrets
from dataclasses import dataclass

from django.db import models
from django.db.models import Q
from django.utils import timezone


@dataclass(frozen=True)
class RowLease:
    """The lease kept in a model's `until` (datetime, null) and `owner` (text) fields;
    `busy` is the exception raised when another worker holds it."""

    model: type[models.Model]
    until: str
    owner: str
    duration: datetime.timedelta
    busy: type[Exception]

    def free(self) -> Q:
        """The rows nobody holds now (for the queries of the rows due)."""
        return Q(**{f"{self.until}__isnull": True}) | Q(**{f"{self.until}__lt": timezone.now()})

    def take(self, pk: int) -> str:
        """Take the lease of row `pk`: the owner token that renews and releases it. Raises
        `busy` while another holds an unexpired one."""
        owner, now = secrets.token_hex(8), timezone.now()
        taken = self.model.objects.filter(self.free(), pk=pk).update(
            **{self.until: now + self.duration, self.owner: owner}
        )
        if not taken:
            raise self.busy(pk)
        return owner

    def renew(self, pk: int, owner: str) -> None:
        """Extend it; `busy` if it ran out and another worker took the row meanwhile."""
        renewed = self.model.objects.filter(pk=pk, **{self.owner: owner}).update(
            **{self.until: timezone.now() + self.duration}
        )
        if not renewed:
            raise self.busy(pk)

    def release(self, pk: int, owner: str, **fields) -> None:
        """Let it go (if still ours), writing `fields` on the row with it."""
        self.model.objects.filter(pk=pk, **{self.owner: owner}).update(
            **{self.until: None, self.owner: ""}, **fields
        )
