"""Settings pages for outgoing webhooks: administrators only (the selectors refuse others)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, error_text

from .forms import WebhookSubscriptionForm
from .selectors import (
    require_administrator,
    webhook_delivery_get,
    webhook_delivery_log,
    webhook_subscription_get,
    webhook_subscription_list,
)
from .services import (
    webhook_delivery_redeliver,
    webhook_subscription_create,
    webhook_subscription_rotate_secret,
    webhook_subscription_update,
)


@login_required
def subscription_list(request):
    subscriptions = webhook_subscription_list(actor=request.user)
    return render(
        request,
        "webhooks/subscription_list.html",
        {"subscriptions": subscriptions, "section": "settings"},
    )


@login_required
def subscription_detail(request, pk: int):
    """The subscription, its secret and its delivery log (newest first, paged)."""
    subscription = webhook_subscription_get(actor=request.user, subscription_id=pk)
    page = webhook_delivery_log(
        actor=request.user, subscription=subscription, page=request.GET.get("page", 1)
    )
    context = {"subscription": subscription, "page": page, "section": "settings"}
    return render(request, "webhooks/subscription_detail.html", context)


@login_required
def subscription_edit(request, pk: int | None = None):
    """Create (no pk) or change a subscription."""
    if pk is None:
        require_administrator(request.user)
        subscription = None
        initial = {"is_active": True}
    else:
        subscription = webhook_subscription_get(actor=request.user, subscription_id=pk)
        initial = {
            "name": subscription.name,
            "target_url": subscription.target_url,
            "payload_format": subscription.payload_format,
            "events": subscription.events,
            "is_active": subscription.is_active,
        }
    form = WebhookSubscriptionForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if subscription is None:
                subscription = webhook_subscription_create(actor=request.user, **form.cleaned_data)
            else:
                subscription = webhook_subscription_update(
                    subscription=subscription, actor=request.user, data=form.cleaned_data
                )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, errors in error.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                form.add_error(None, error)
        else:
            messages.success(
                request, _("The webhook %(name)s is saved.") % {"name": subscription.name}
            )
            return redirect("webhooks:detail", pk=subscription.pk)
    context = {"form": form, "subscription": subscription, "section": "settings"}
    return render(request, "webhooks/subscription_form.html", context)


@require_POST
@login_required
def subscription_rotate_secret(request, pk: int):
    subscription = webhook_subscription_get(actor=request.user, subscription_id=pk)
    webhook_subscription_rotate_secret(subscription=subscription, actor=request.user)
    messages.success(
        request, _("A new secret is set: update it in the receiver, old signatures stop matching.")
    )
    return redirect("webhooks:detail", pk=pk)


@require_POST
@login_required
def delivery_redeliver(request, pk: int):
    delivery = webhook_delivery_get(actor=request.user, delivery_id=pk)
    try:
        webhook_delivery_redeliver(delivery=delivery, actor=request.user)
    except ApplicationError as error:
        messages.error(request, error_text(error))
    else:
        messages.success(request, _("The delivery is queued to be sent again."))
    return redirect("webhooks:detail", pk=delivery.subscription_id)
