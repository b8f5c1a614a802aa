"""Writes for activities, the timeline and notifications."""

import datetime
from collections.abc import Iterable, Sequence

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import IntegrityError, models, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from accounts.policy import administrators
from core.copy_insert import rows_copy_insert
from core.errors import ApplicationError
from core.events import publish_on_commit
from core.services import FieldChange, lock_for_update, model_update

from .events import ActivityCompleted
from .message_ids import activity_message_id
from .models import Activity, ActivityBinding, Notification, TimelineEvent

REPEAT_STEP = {
    Activity.RepeatUnit.DAY: lambda n: datetime.timedelta(days=n),
    Activity.RepeatUnit.WEEK: lambda n: datetime.timedelta(weeks=n),
    Activity.RepeatUnit.MONTH: lambda n: datetime.timedelta(days=30 * n),
}


def timeline_record(
    *,
    entity: models.Model,
    kind: str,
    actor: AbstractBaseUser | None,
    payload: dict | None = None,
    activity: Activity | None = None,
    at: datetime.datetime | None = None,
) -> TimelineEvent:
    """Append an immutable event to `entity`'s timeline (an object with ENTITY_TYPE)."""
    return TimelineEvent.objects.create(
        entity_type=entity.ENTITY_TYPE,
        entity_id=entity.pk,
        kind=kind,
        actor=actor,
        payload=payload or {},
        activity=activity,
        created_at=at or timezone.now(),
    )


def timeline_record_many(
    *, entities: Sequence[models.Model], kind: str, at: datetime.datetime,
    payloads: Sequence[dict] | None = None, actor: AbstractBaseUser | None = None,
) -> None:  # fmt: skip
    """timeline_record for many new items at once, written with COPY: the events of a batch
    (shop orders, imports). `payloads` one per entity, or none."""
    payloads = payloads if payloads is not None else [{}] * len(entities)
    rows_copy_insert(
        TimelineEvent,
        [{"entity_type": entity.ENTITY_TYPE, "entity_id": entity.pk, "kind": kind,
          "payload": payload, "created_at": at, "actor": actor}
         for entity, payload in zip(entities, payloads, strict=True)],
        now=at,
    )  # fmt: skip


def timeline_record_field_changes(
    *, entity: models.Model, changes: Sequence[FieldChange], actor: AbstractBaseUser | None
) -> TimelineEvent | None:
    """One timeline event listing every changed field with its old and new value."""
    if not changes:
        return None
    return timeline_record(
        entity=entity,
        kind=TimelineEvent.Kind.FIELD_CHANGED,
        actor=actor,
        payload={"changes": [change.as_dict() for change in changes]},
    )


def _check_repeat_rule(*, kind: str, repeat_every: int | None, repeat_unit: str, deadline) -> None:
    if repeat_every is None and not repeat_unit:
        return
    errors = {}
    if not repeat_every or repeat_every < 1:
        errors["repeat_every"] = _("Repeat at least every 1 day, week or month.")
    if repeat_unit not in Activity.RepeatUnit.values:
        errors["repeat_unit"] = _("Choose days, weeks or months.")
    if deadline is None:
        errors["deadline"] = _("A repeated activity needs a deadline to count from.")
    if kind == Activity.Kind.COMMENT:
        errors["kind"] = _("Comments do not repeat.")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def activity_create(
    *,
    kind: str,
    subject: str,
    actor: AbstractBaseUser | None,
    bound_to: Iterable[models.Model],
    responsible: AbstractBaseUser | None = None,
    is_done: bool = False,
    description: str = "",
    direction: str = "",
    priority: str = Activity.Priority.NORMAL,
    location: str = "",
    starts_at: datetime.datetime | None = None,
    deadline: datetime.datetime | None = None,
    remind_at: datetime.datetime | None = None,
    repeat_every: int | None = None,
    repeat_unit: str = "",
    repeat_until: datetime.date | None = None,
    email_from: str = "",
    email_to: str = "",
    is_created_by_robot: bool = False,
) -> Activity:
    """Plan an activity, or log one already done (a comment, a call that happened), bound to
    one or more CRM items. Each item's timeline gets an entry. Raises ValidationError."""
    items = list(bound_to)
    if not items:
        raise ValidationError({"bound_to": _("An activity must concern at least one item.")})
    _check_repeat_rule(
        kind=kind, repeat_every=repeat_every, repeat_unit=repeat_unit, deadline=deadline
    )
    if remind_at and is_done:
        raise ValidationError({"remind_at": _("A finished activity needs no reminder.")})
    now = timezone.now()
    activity = Activity(
        kind=kind,
        subject=subject,
        description=description,
        direction=direction,
        priority=priority,
        location=location,
        starts_at=starts_at,
        deadline=deadline,
        remind_at=remind_at,
        repeat_every=repeat_every,
        repeat_unit=repeat_unit,
        repeat_until=repeat_until,
        email_from=email_from,
        email_to=email_to,
        responsible=responsible or actor,
        created_by=actor,
        is_created_by_robot=is_created_by_robot,
        status=Activity.Status.DONE if is_done else Activity.Status.PLANNED,
        completed_at=now if is_done else None,
        completed_by=actor if is_done else None,
    )
    activity.full_clean()
    activity.save()
    ActivityBinding.objects.bulk_create(
        ActivityBinding(activity=activity, entity_type=item.ENTITY_TYPE, entity_id=item.pk)
        for item in items
    )
    kind_of_event = (
        TimelineEvent.Kind.ACTIVITY_DONE if is_done else TimelineEvent.Kind.ACTIVITY_ADDED
    )
    if kind == Activity.Kind.COMMENT:
        kind_of_event = TimelineEvent.Kind.COMMENT
    for item in items:
        timeline_record(entity=item, kind=kind_of_event, actor=actor, activity=activity, at=now)
    return activity


@transaction.atomic
def activity_complete(
    *,
    activity: Activity,
    actor: AbstractBaseUser | None,
    result: str = "",
    stop_repeating: bool = False,
) -> Activity:
    """Mark a planned activity done and journal it on every bound item.

    A repeated activity plans its next occurrence unless `stop_repeating` (for a call: the
    client was reached) or the rule's end date has passed. The creator of a task done by
    somebody else is notified. Raises ApplicationError when the activity is already done.
    Publishes ActivityCompleted.
    """
    activity = lock_for_update(activity)
    if activity.status == Activity.Status.DONE:
        raise ApplicationError(_("This activity is already done."), code="already_done")
    now = timezone.now()
    activity.status = Activity.Status.DONE
    activity.completed_at = now
    activity.completed_by = actor
    activity.result = result
    activity.save(update_fields=["status", "completed_at", "completed_by", "result", "updated_at"])

    bindings = list(activity.bindings.all())
    TimelineEvent.objects.bulk_create(
        TimelineEvent(
            entity_type=binding.entity_type,
            entity_id=binding.entity_id,
            kind=TimelineEvent.Kind.ACTIVITY_DONE,
            actor=actor,
            activity=activity,
            payload={"result": result} if result else {},
            created_at=now,
        )
        for binding in bindings
    )
    if activity.repeat_every and not stop_repeating:
        _plan_next_occurrence(activity=activity, bindings=bindings)
    if (
        activity.kind == Activity.Kind.TASK
        and activity.created_by_id
        and activity.created_by_id != getattr(actor, "pk", None)
    ):
        notification_send(
            recipient=activity.created_by,
            kind=Notification.Kind.TASK_COMPLETED,
            title=gettext_noop("Task completed: %(subject)s"),
            params={"subject": activity.subject},
            activity=activity,
        )
    publish_on_commit(
        ActivityCompleted(activity_id=activity.pk, actor_id=getattr(actor, "pk", None))
    )
    return activity


def _plan_next_occurrence(
    *, activity: Activity, bindings: list[ActivityBinding]
) -> Activity | None:
    step = REPEAT_STEP[activity.repeat_unit](activity.repeat_every)
    deadline = activity.deadline + step
    if activity.repeat_until and timezone.localdate(deadline) > activity.repeat_until:
        return None
    following = Activity.objects.create(
        kind=activity.kind,
        subject=activity.subject,
        description=activity.description,
        direction=activity.direction,
        priority=activity.priority,
        location=activity.location,
        starts_at=activity.starts_at + step if activity.starts_at else None,
        deadline=deadline,
        remind_at=activity.remind_at + step if activity.remind_at else None,
        repeat_every=activity.repeat_every,
        repeat_unit=activity.repeat_unit,
        repeat_until=activity.repeat_until,
        responsible=activity.responsible,
        created_by=activity.created_by,
        is_created_by_robot=activity.is_created_by_robot,
        previous=activity,
    )
    ActivityBinding.objects.bulk_create(
        ActivityBinding(activity=following, entity_type=b.entity_type, entity_id=b.entity_id)
        for b in bindings
    )
    return following


def entity_history_delete(*, entity: models.Model) -> None:
    """Forget a CRM item that is being deleted: its timeline, its activity bindings, and the
    activities that concerned it alone (an activity also bound elsewhere stays there).
    Called by the item's own delete service, in its transaction."""
    bindings = ActivityBinding.objects.filter(entity_type=entity.ENTITY_TYPE, entity_id=entity.pk)
    Activity.objects.filter(pk__in=bindings.values("activity_id")).annotate(
        binding_count=Count("bindings")
    ).filter(binding_count=1).delete()
    bindings.delete()
    TimelineEvent.objects.filter(entity_type=entity.ENTITY_TYPE, entity_id=entity.pk).delete()


def notification_send(
    *,
    recipient: AbstractBaseUser,
    kind: str,
    title: str,
    message: str = "",
    params: dict | None = None,
    url: str = "",
    activity: Activity | None = None,
) -> Notification:
    """Put a message in the recipient's notification list. `title` and `message` are the
    untranslated texts (marked with gettext_noop), `params` their %(name)s values: each is
    translated into the language the recipient reads it in."""
    return Notification.objects.create(
        recipient=recipient,
        kind=kind,
        title=title[:255],
        message=message,
        params=params or {},
        url=url,
        activity=activity,
    )


def notification_send_to_administrators(
    *, title: str, message: str = "", params: dict | None = None, url: str = ""
) -> None:
    """Tell every administrator (accounts.policy.administrators) something that went wrong:
    a message notification each, texts untranslated as for notification_send."""
    for administrator in administrators():
        notification_send(recipient=administrator, kind=Notification.Kind.MESSAGE, title=title,
                          message=message, params=params, url=url)  # fmt: skip


def notification_mark_read(*, notification: Notification, actor: AbstractBaseUser) -> Notification:
    """Mark the actor's own notification read; anybody else's is refused."""
    if notification.recipient_id != actor.pk:
        raise ApplicationError(_("This notification is not yours."), code="forbidden")
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


def activity_reminders_send(*, now: datetime.datetime | None = None, batch_size: int = 500) -> int:
    """Notify the responsible of each planned activity whose reminder time has come.

    Idempotent and safe beside a concurrent run: due rows are locked with SKIP LOCKED, marked
    as reminded in the same transaction, and the database allows one reminder per activity.
    Returns how many reminders were sent.
    """
    now = now or timezone.now()
    sent = 0
    while True:
        with transaction.atomic():
            due = list(
                Activity.objects.select_for_update(skip_locked=True)
                .filter(
                    status=Activity.Status.PLANNED, reminded_at__isnull=True, remind_at__lte=now
                )
                .exclude(responsible=None)
                .select_related("responsible")
                .order_by("pk")[:batch_size]
            )
            if not due:
                return sent
            for activity in due:
                try:
                    with transaction.atomic():
                        notification_send(
                            recipient=activity.responsible,
                            kind=Notification.Kind.REMINDER_DUE,
                            title=gettext_noop("Reminder: %(subject)s"),
                            params={"subject": activity.subject},
                            activity=activity,
                        )
                        sent += 1
                except IntegrityError:
                    pass  # already reminded by an earlier run that did not mark the row
            Activity.objects.filter(pk__in=[a.pk for a in due]).update(reminded_at=now)


def notifications_purge(*, older_than_days: int = 90) -> int:
    """Delete read notifications older than the given number of days; returns how many."""
    cutoff = timezone.now() - datetime.timedelta(days=older_than_days)
    deleted, _per_model = Notification.objects.filter(read_at__lt=cutoff).delete()
    return deleted


@transaction.atomic
def activity_comment_add(
    *, text: str, actor: AbstractBaseUser, bound_to: Iterable[models.Model]
) -> Activity:
    """A comment on one or more items: a done comment activity (its first line, shortened, as
    the subject; the whole text as the description) with a comment on each timeline.
    Raises ValidationError for an empty text."""
    text = text.strip()
    if not text:
        raise ValidationError({"text": _("Write something to comment.")})
    return activity_create(
        kind=Activity.Kind.COMMENT,
        subject=Truncator(text.splitlines()[0]).chars(200),
        description=text,
        actor=actor,
        bound_to=bound_to,
        is_done=True,
    )


@transaction.atomic
def activity_email_send(
    *,
    recipients: Sequence[str],
    subject: str,
    body: str,
    actor: AbstractBaseUser,
    bound_to: Iterable[models.Model],
    sender: str = "",
) -> Activity:
    """Send an e-mail about one or more items and log it as a done outgoing e-mail activity.

    The message goes through Django's mail backend once the transaction commits (a rolled-back
    log sends nothing); the sender defaults to DEFAULT_FROM_EMAIL, with the actor's address as
    Reply-To. A failure of the mail server after the commit is raised by the commit hook, the
    activity stays logged. Raises ValidationError without recipients or subject.
    """
    recipients = [address.strip() for address in recipients if address.strip()]
    if not recipients:
        raise ValidationError({"recipients": _("Give at least one recipient.")})
    sender = sender or settings.DEFAULT_FROM_EMAIL
    activity = activity_create(
        kind=Activity.Kind.EMAIL,
        subject=subject,
        description=body,
        direction=Activity.Direction.OUTGOING,
        email_from=sender,
        email_to=", ".join(recipients),
        actor=actor,
        bound_to=bound_to,
        is_done=True,
    )
    reply_to = [actor.email] if getattr(actor, "email", "") else None
    # a Message-ID naming the activity, so that the mailboxes thread the answer onto its items
    message = EmailMessage(
        subject=subject, body=body, from_email=sender, to=recipients, reply_to=reply_to,
        headers={"Message-ID": activity_message_id(activity.pk)},
    )  # fmt: skip
    transaction.on_commit(message.send)
    return activity


def notifications_mark_all_read(*, actor: AbstractBaseUser) -> int:
    """Mark every unread notification of the actor read (one UPDATE); returns how many."""
    now = timezone.now()
    return Notification.objects.filter(recipient=actor, read_at=None).update(
        read_at=now, updated_at=now
    )


ACTIVITY_UPDATE_FIELDS = ["subject", "description", "deadline", "remind_at", "priority",
                          "responsible"]  # fmt: skip


@transaction.atomic
def activity_update(*, activity: Activity, actor: AbstractBaseUser | None, data: dict) -> Activity:
    """Change a planned activity's own fields (ACTIVITY_UPDATE_FIELDS); the items it is bound
    to and its kind stay. Nothing is journalled: the timeline records what was planned and
    done, not edits of a plan. Raises ApplicationError ("not_planned") for a done activity,
    ValidationError for a repeat rule left without a deadline or other invalid values."""
    activity = lock_for_update(activity)
    if activity.status != Activity.Status.PLANNED:
        raise ApplicationError(_("Only a planned activity can be changed."), code="not_planned")
    deadline = data.get("deadline", activity.deadline)
    _check_repeat_rule(kind=activity.kind, repeat_every=activity.repeat_every,
                       repeat_unit=activity.repeat_unit, deadline=deadline)  # fmt: skip
    model_update(instance=activity, fields=ACTIVITY_UPDATE_FIELDS, data=data)
    return activity


@transaction.atomic
def activity_delete(*, activity: Activity, actor: AbstractBaseUser | None) -> None:
    """Delete a planned activity with its bindings; the timeline entries that mention it stay
    (without the link). Raises ApplicationError ("not_planned") for a done activity: what
    happened stays in the journal."""
    activity = lock_for_update(activity)
    if activity.status != Activity.Status.PLANNED:
        raise ApplicationError(_("Only a planned activity can be deleted."), code="not_planned")
    activity.delete()
