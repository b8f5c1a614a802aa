"""Reads for web forms: the settings (administrators only), the public form, the review list
(users who may add leads)."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import can_manage_settings, grant_for

from .models import WebForm, WebFormField, WebFormSubmission

REVIEWED_STATUSES = [WebFormSubmission.Status.WAITING, WebFormSubmission.Status.SPAM]


def require_webform_administrator(actor: AbstractBaseUser) -> None:
    if not can_manage_settings(actor):
        raise PermissionDenied(_("Only administrators manage web forms."))


def webform_list(*, actor: AbstractBaseUser) -> list[WebForm]:
    """Every form with its submissions waiting for review counted: one query."""
    require_webform_administrator(actor)
    waiting = Count("submissions", filter=Q(submissions__status__in=REVIEWED_STATUSES))
    return list(WebForm.objects.annotate(waiting=waiting))


def webform_get(*, actor: AbstractBaseUser, form_id: int) -> WebForm:
    require_webform_administrator(actor)
    return get_object_or_404(WebForm.objects.prefetch_related("fields", "managers"), pk=form_id)


def webform_public_get(*, key) -> WebForm:
    """The active form at a public address (404 for a switched-off one), with its fields."""
    fields = Prefetch("fields", queryset=WebFormField.objects.order_by("sort", "pk"))
    return get_object_or_404(WebForm.objects.prefetch_related(fields), key=key, is_active=True)


def require_reviewer(actor: AbstractBaseUser) -> None:
    """Reviewing submissions makes leads: it takes the right to add them."""
    if grant_for(actor, PermissionEntity.LEAD, PermissionAction.ADD).is_nothing:
        raise PermissionDenied(_("Your role does not let you add leads."))


def submission_review_list(*, actor: AbstractBaseUser) -> list[WebFormSubmission]:
    """The submissions not yet in the CRM (spam-marked too), newest first: one query."""
    require_reviewer(actor)
    return list(
        WebFormSubmission.objects.filter(status__in=REVIEWED_STATUSES).select_related(
            "form", "campaign"
        )
    )


def submission_review_chosen(*, actor: AbstractBaseUser, ids: list) -> list[WebFormSubmission]:
    """The chosen submissions not yet in the CRM, oldest first (the order they came in)."""
    require_reviewer(actor)
    chosen = [int(pk) for pk in ids if str(pk).isdigit()]
    return list(
        WebFormSubmission.objects.filter(pk__in=chosen, status__in=REVIEWED_STATUSES)
        .select_related("form")
        .order_by("created_at", "pk")
    )
