"""Web form pages: the settings (administrators), the public form (anybody, embedded in an
iframe on the client's site) and the review list of submissions (who may add leads)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.validators import validate_ipv46_address
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.errors import ApplicationError, error_text

from . import selectors
from .forms import PublicForm, WebFormFieldFormSet, WebFormSettingsForm
from .models import WebForm
from .services import (
    UTM_FIELDS,
    WebFormFieldInput,
    submission_delete,
    submission_receive,
    submission_transfer,
    webform_save,
)
from .throttling import WebFormThrottle

FIELDS_PREFIX = "fields"
FIELD_INPUTS = ["kind", "label", "target", "is_required", "choices", "sort"]

# --- settings -----------------------------------------------------------------------------


@login_required
def webform_list(request):
    web_forms = selectors.webform_list(actor=request.user)
    return render(
        request, "webforms/webform_list.html", {"web_forms": web_forms, "section": "settings"}
    )


@login_required
def webform_edit(request, pk: int | None = None):
    """Create (no pk) or change a form with its fields; a saved form shows its embed code."""
    if pk is None:
        selectors.require_webform_administrator(request.user)
        web_form, initial_fields = WebForm(), []
    else:
        web_form = selectors.webform_get(actor=request.user, form_id=pk)
        initial_fields = [{name: getattr(field, name) for name in FIELD_INPUTS}
                          for field in web_form.fields.all()]  # fmt: skip
    data = request.POST if request.method == "POST" else None
    form = WebFormSettingsForm(data, instance=web_form)
    formset = WebFormFieldFormSet(data, initial=initial_fields, prefix=FIELDS_PREFIX)
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        rows = [row.cleaned_data for row in formset
                if row.cleaned_data and not row.cleaned_data.get("DELETE")]  # fmt: skip
        try:
            web_form = webform_save(
                form=form.instance,
                managers=list(form.cleaned_data["managers"]),
                fields=[WebFormFieldInput(**{name: row[name] for name in FIELD_INPUTS})
                        for row in rows],
            )  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error_text(error))
        else:
            messages.success(
                request, _("The web form %(name)s is saved.") % {"name": web_form.name}
            )
            return redirect("webforms:update", pk=web_form.pk)
    context = {"form": form, "formset": formset, "web_form": web_form if pk else None,
               "section": "settings"}  # fmt: skip
    if pk is not None:
        context["public_url"] = request.build_absolute_uri(
            reverse("webforms:public", args=[web_form.key])
        )
    return render(request, "webforms/webform_form.html", context)


# --- the public form ----------------------------------------------------------------------


def _client_address(request) -> str | None:
    """The client's address as the throttle sees it, when it is one address."""
    address = WebFormThrottle().get_ident(request)
    try:
        validate_ipv46_address(address)
    except ValidationError:
        return None
    return address


@csrf_exempt  # shown on other sites; the honeypot and the per-address throttle stand in
@xframe_options_exempt  # made to be embedded in an iframe
def webform_public(request, key):
    """GET: the form. POST: keep the submission, answer with the form's success message;
    429 past the per-address rate. UTM tags come from the page's query string."""
    web_form = selectors.webform_public_get(key=key)
    form = PublicForm(request.POST or None, web_form=web_form)
    if request.method == "POST":
        if not WebFormThrottle().allow_request(request, None):
            context = {"web_form": web_form, "form": form, "is_throttled": True}
            return render(request, "webforms/webform_public.html", context, status=429)
        if form.is_valid():
            submission_receive(
                form=web_form,
                answers=form.answers(),
                has_consent=bool(form.cleaned_data.get("consent")),
                utm={name: request.GET.get(name, "") for name in UTM_FIELDS},
                ip_address=_client_address(request),
                is_spam=form.is_spam,
            )
            # a bot caught by the honeypot reads the same answer
            return render(request, "webforms/webform_public.html",
                          {"web_form": web_form, "is_sent": True})  # fmt: skip
    return render(request, "webforms/webform_public.html", {"web_form": web_form, "form": form})


# --- review -------------------------------------------------------------------------------


@login_required
def submission_list(request):
    submissions = selectors.submission_review_list(actor=request.user)
    context = {"submissions": submissions, "section": "leads"}
    return render(request, "webforms/submission_list.html", context)


@login_required
@require_POST
def submission_review(request):
    """Delete the chosen submissions, or send them to the CRM (each on its own: one refused
    leaves the others sent, and says why)."""
    chosen = selectors.submission_review_chosen(
        actor=request.user, ids=request.POST.getlist("submission")
    )
    if request.POST.get("action") == "delete":
        for submission in chosen:
            submission_delete(submission=submission)
        messages.success(request, _("Submissions deleted: %(count)d.") % {"count": len(chosen)})
        return redirect("webforms:submissions")
    sent = 0
    for submission in chosen:
        try:
            submission_transfer(submission=submission, actor=request.user)
        except (ApplicationError, ValidationError) as error:
            messages.error(request, f"#{submission.pk}: {error_text(error)}")
        else:
            sent += 1
    messages.success(request, _("Submissions sent to the CRM: %(count)d.") % {"count": sent})
    return redirect("webforms:submissions")
