"""Reads of the reports users saved with the builder: a report is visible to its owner and to
the holders of one of the roles it is shared with, nobody else (not even a superuser: the
admin shows them all)."""

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Q, QuerySet

from .models import SavedReport


def saved_report_list(*, actor: AbstractBaseUser) -> QuerySet[SavedReport]:
    """The reports `actor` owns or that are shared with one of `actor`'s roles, by name, with
    their owners: one query, each report once."""
    shared = SavedReport.shared_with_roles.through.objects.filter(role__users=actor)
    return (
        SavedReport.objects.filter(Q(owner=actor) | Q(pk__in=shared.values("savedreport_id")))
        .select_related("owner")
        .order_by("name", "pk")
    )


def saved_report_get(*, actor: AbstractBaseUser, saved_report_id: int) -> SavedReport:
    """The report if `actor` may open it; SavedReport.DoesNotExist otherwise (the interfaces
    answer 404: a report out of reach looks like one that does not exist)."""
    return saved_report_list(actor=actor).get(pk=saved_report_id)
