"""Whose figures a report counts: the items the user may view (the same scopes as the lists:
a manager's own, a head's department tree, a director's all), and only for users whose
roles let them view reports."""

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import grant_for, restrict
from activities.models import Activity
from deals.models import Deal
from leads.models import Lead


def can_view_reports(user: AbstractBaseUser) -> bool:
    if not (user.is_authenticated and user.is_active):
        return False
    return (
        user.is_superuser
        or not grant_for(user, PermissionEntity.REPORT, PermissionAction.VIEW).is_nothing
    )


def require_reports(user: AbstractBaseUser) -> None:
    if not can_view_reports(user):
        raise PermissionDenied(_("Your role does not let you view reports."))


def report_deals(actor: AbstractBaseUser) -> QuerySet[Deal]:
    return restrict(Deal.objects.all(), user=actor, entity=PermissionEntity.DEAL)


def report_leads(actor: AbstractBaseUser) -> QuerySet[Lead]:
    return restrict(Lead.objects.all(), user=actor, entity=PermissionEntity.LEAD)


def report_activities(actor: AbstractBaseUser) -> QuerySet[Activity]:
    return restrict(Activity.objects.all(), user=actor, entity=PermissionEntity.ACTIVITY)
