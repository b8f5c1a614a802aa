"""Writes for web forms: their settings, receiving a submission, sending it to the CRM (a lead,
or a contact and a deal in the no-leads mode) and deleting it."""

import secrets
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.selectors import next_in_turn, users_present_today
from automation.models import Trigger
from automation.triggers import triggers_fire
from contacts.models import Communication
from contacts.services import CommunicationInput, contact_create
from core.errors import ApplicationError, error_text
from core.models import EntityType
from deals.services import deal_create
from leads.models import Campaign, Source
from leads.services import lead_create, source_create

from .models import WebForm, WebFormField, WebFormSubmission

UTM_FIELDS = ["utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term"]
WEB_FORM_SOURCE_CODE = "web-form"
# the lead fields a form field fills as they are (the title and comments are composed by
# _title and the answers; phone and e-mail go to the communications)
LEAD_TARGETS = ["first_name", "middle_name", "last_name", "company_title", "position", "address"]
Target = WebFormField.Target


@dataclass(frozen=True)
class WebFormFieldInput:
    kind: str
    label: str
    target: str
    is_required: bool = False
    choices: str = ""
    sort: int = 100


@transaction.atomic
def webform_save(
    *,
    form: WebForm,
    fields: Sequence[WebFormFieldInput] | None = None,
    managers: Sequence[AbstractBaseUser] | None = None,
) -> WebForm:
    """Create or change a form with its fields (replaced as given) and its group of managers;
    None keeps them (the admin saves its inlines itself). Raises ValidationError by field
    ("fields" for the rows)."""
    form.full_clean()
    if fields is None or managers is None:
        form.save()
        return form
    targets = [row.target for row in fields if row.target != Target.ANSWER]
    if len(targets) != len(set(targets)):
        raise ValidationError({"fields": _("Each lead field can be filled by one field only.")})
    if any(row.kind == WebFormField.Kind.SELECT and not row.choices.strip() for row in fields):
        raise ValidationError({"fields": _("Give a list field its choices, one per line.")})
    if form.assignment != WebForm.Assignment.FIXED and not managers:
        raise ValidationError({"managers": _("Choose the managers who take turns.")})
    form.save()
    form.managers.set(managers)
    form.fields.all().delete()
    WebFormField.objects.bulk_create(WebFormField(form=form, **asdict(row)) for row in fields)
    return form


def _campaign_of(utm_campaign: str) -> Campaign | None:
    """The campaign tagged with this utm_campaign, else the one of that name (active first)."""
    if not utm_campaign:
        return None
    campaigns = Campaign.objects.order_by("-is_active", "-pk")
    return (
        campaigns.filter(utm_campaign=utm_campaign).first()
        or campaigns.filter(name__iexact=utm_campaign).first()
    )


@transaction.atomic
def submission_receive(
    *, form: WebForm, answers: list[dict], has_consent: bool, utm: dict, ip_address: str | None,
    is_spam: bool,
) -> WebFormSubmission:  # fmt: skip
    """Keep a submission of `form` (answers: [{"label", "target", "value"}] of its fields).
    Spam is kept marked and goes no further; a form in the automatic mode sends it to the
    CRM at once (submission_transfer). A submission the CRM refuses (no lead status, no
    pipeline…) stays waiting with the reason, for a manager to send again."""
    utm = {name: str(utm.get(name) or "")[:100] for name in UTM_FIELDS}
    submission = WebFormSubmission.objects.create(
        form=form,
        status=WebFormSubmission.Status.SPAM if is_spam else WebFormSubmission.Status.WAITING,
        answers=answers,
        has_consent=has_consent,
        campaign=_campaign_of(utm["utm_campaign"]),
        ip_address=ip_address,
        **utm,
    )
    if not is_spam and form.transfer_mode == WebForm.TransferMode.AUTOMATIC:
        try:
            with transaction.atomic():  # a refusal undoes what it began, the submission stays
                submission_transfer(submission=submission, actor=None)
        except (ApplicationError, ValidationError) as error:
            submission.error = error_text(error)
            submission.save(update_fields=["error", "updated_at"])
    return submission


def responsible_pick(form: WebForm) -> AbstractBaseUser | None:
    """Who gets the next item of the form: its manager; or one of its group present today
    (active, not absent), in turn or at random. With nobody present, the form's manager (or
    nobody: the item waits in the shared pool)."""
    if form.assignment == WebForm.Assignment.FIXED:
        return form.responsible
    candidates = sorted(form.managers.values_list("pk", flat=True))
    available = users_present_today(candidates)
    if not available:
        return form.responsible
    if form.assignment == WebForm.Assignment.RANDOM:
        return secrets.choice(list(available.values()))
    return _round_robin_pick(form, candidates, available)


def _round_robin_pick(form: WebForm, candidates: list[int], available: dict):
    """The first present manager after the last pick, in the order of their ids (an absent
    one's turn passes to the next). The form's row stays locked to the end of the
    transaction, so two submissions at once take turns rather than the same manager."""
    locked = WebForm.objects.select_for_update().get(pk=form.pk)
    user = next_in_turn(candidates, available, locked.last_assigned_id)
    locked.last_assigned = user
    locked.save(update_fields=["last_assigned", "updated_at"])
    return user


def _web_form_source() -> Source:
    source = Source.objects.filter(code=WEB_FORM_SOURCE_CODE).first()
    return source or source_create(code=WEB_FORM_SOURCE_CODE, name=_("Web form"))


def _communications(submission: WebFormSubmission) -> list[CommunicationInput]:
    kinds = {Target.PHONE: Communication.Kind.PHONE, Target.EMAIL: Communication.Kind.EMAIL}
    return [
        CommunicationInput(kind=kinds[target], value=value)
        for target in kinds
        if (value := submission.value_of(target))
    ]


def _comments(submission: WebFormSubmission) -> str:
    """The comments field, then the answers that fill no lead field, so the manager reads
    everything the client said on the lead itself."""
    lines = [submission.value_of(Target.COMMENTS)]
    lines += [f"{row['label']}: {row['value']}" for row in submission.answers
              if row["target"] == Target.ANSWER and row["value"]]  # fmt: skip
    return "\n".join(line for line in lines if line)


def _title(submission: WebFormSubmission) -> str:
    client = " ".join(
        part for part in (submission.value_of(Target.LAST_NAME),
                          submission.value_of(Target.FIRST_NAME)) if part
    ) or submission.value_of(Target.EMAIL) or submission.value_of(Target.PHONE)  # fmt: skip
    return submission.value_of(Target.TITLE) or f"{submission.form.name}: {client}".rstrip(": ")


@transaction.atomic
def submission_transfer(
    *, submission: WebFormSubmission, actor: AbstractBaseUser | None
) -> WebFormSubmission:
    """Send a submission to the CRM: a lead (source "web form", the campaign of its UTM, the
    responsible by the form's assignment), or with CRM_NO_LEADS_MODE a contact and a deal in
    the default pipeline; then the "web form submitted" triggers fire for it. Raises
    ApplicationError for one already sent, and what the lead and deal services raise."""
    submission = WebFormSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.status == WebFormSubmission.Status.TRANSFERRED:
        raise ApplicationError(_("This submission is already in the CRM."), code="transferred")
    form = submission.form
    responsible = responsible_pick(form)
    common = {"actor": actor, "responsible": responsible, "source": _web_form_source(),
              "source_description": form.name, "campaign": submission.campaign,
              "comments": _comments(submission)}  # fmt: skip
    if settings.CRM_NO_LEADS_MODE:
        submission.deal = _deal_create(submission, common)
        entity_type, entity_id = EntityType.DEAL, submission.deal.pk
    else:
        submission.lead = lead_create(
            title=_title(submission),
            communications=_communications(submission),
            **{target: submission.value_of(target) for target in LEAD_TARGETS},
            **{name: getattr(submission, name) for name in UTM_FIELDS},
            **common,
        )  # fmt: skip
        entity_type, entity_id = EntityType.LEAD, submission.lead.pk
    submission.status = WebFormSubmission.Status.TRANSFERRED
    submission.transferred_at, submission.transferred_by = timezone.now(), actor
    submission.error = ""
    submission.save()
    triggers_fire(kind=Trigger.Kind.FORM_SUBMITTED, entity_type=entity_type,
                  entity_id=entity_id, details={"form": form.pk})  # fmt: skip
    return submission


def _deal_create(submission: WebFormSubmission, common: dict):
    """The no-leads mode: the client as a contact (named by e-mail or phone when the form asks
    no name), and a deal with them in the default pipeline."""
    first_name = submission.value_of(Target.FIRST_NAME)
    last_name = submission.value_of(Target.LAST_NAME) or (
        "" if first_name else submission.value_of(Target.EMAIL) or submission.value_of(Target.PHONE)
    )
    contact = contact_create(
        actor=common["actor"],
        responsible=common["responsible"],
        first_name=first_name,
        last_name=last_name or _("Web form client"),
        middle_name=submission.value_of(Target.MIDDLE_NAME),
        communications=_communications(submission),
    )
    return deal_create(title=_title(submission), contacts=[contact], **common)


@transaction.atomic
def submission_delete(*, submission: WebFormSubmission) -> None:
    """Delete a submission (spam, a test); the lead or deal made from it stays."""
    submission.delete()
