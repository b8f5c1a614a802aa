"""Settings → Bitrix24 webhooks: a user's own incoming webhooks (made, shown once, revoked)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from core.http import posted_id

from .forms import WebhookForm
from .models import InboundWebhook
from .services import webhook_create, webhook_revoke


@login_required
def webhook_list_view(request):
    new_url = None
    form = WebhookForm()
    if request.method == "POST" and "revoke" in request.POST:
        webhook = get_object_or_404(
            InboundWebhook, pk=posted_id(request, "revoke"), user=request.user
        )
        webhook_revoke(webhook=webhook)
        messages.success(request, _("The webhook %(name)s is revoked.") % {"name": webhook.name})
        return redirect("b24_settings:webhooks")
    if request.method == "POST":
        form = WebhookForm(request.POST)
        if form.is_valid():
            _webhook, code = webhook_create(user=request.user, **form.cleaned_data)
            new_url = request.build_absolute_uri(
                reverse("b24:rest-base", args=[request.user.pk, code])
            )
            form = WebhookForm()
    webhooks = InboundWebhook.objects.filter(user=request.user)
    return render(request, "b24/webhook_list.html",
                  {"webhooks": webhooks, "form": form, "new_url": new_url})  # fmt: skip
