"""The writes of the reports app: the reports users build and save (reports.models.SavedReport).
Only a report's owner changes or deletes it; the definition is checked against the builder's
whitelists (reports.builder.builder_definition_validate) before it is stored."""

from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import Role

from .builder import builder_definition_validate
from .models import SavedReport

NAME_LENGTH = SavedReport._meta.get_field("name").max_length


def _checked_name(*, owner: AbstractBaseUser, name: str, saved_report: SavedReport | None) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the report a name.")})
    if len(name) > NAME_LENGTH:
        raise ValidationError(
            {"name": _("A name of at most %(count)d characters.") % {"count": NAME_LENGTH}}
        )
    others = SavedReport.objects.filter(owner=owner, name=name)
    if saved_report is not None:
        others = others.exclude(pk=saved_report.pk)
    if others.exists():
        raise ValidationError({"name": _("You already have a report named “%(name)s”.") % {
            "name": name}})  # fmt: skip
    return name


def _require_owner(saved_report: SavedReport, actor: AbstractBaseUser) -> None:
    if saved_report.owner_id != actor.pk:
        raise PermissionDenied(_("Only the owner of the report changes or deletes it; copy it "
                                 "to make your own."))  # fmt: skip


@transaction.atomic
def saved_report_create(
    *,
    actor: AbstractBaseUser,
    name: str,
    entity: str,
    definition: dict,
    description: str = "",
    roles: Iterable[Role] = (),
) -> SavedReport:
    """A new report of `actor`'s, shared with the holders of `roles`. Raises ValidationError
    (name, entity, group_by, measures, filters, chart) and saves nothing when the name is
    empty or taken by another of the actor's reports, or the definition is not one the
    builder accepts."""
    name = _checked_name(owner=actor, name=name, saved_report=None)
    definition = builder_definition_validate(entity, definition)
    saved_report = SavedReport.objects.create(owner=actor, name=name, entity=entity,
                                              description=(description or "").strip(),
                                              definition=definition)  # fmt: skip
    saved_report.shared_with_roles.set(roles)
    return saved_report


@transaction.atomic
def saved_report_update(
    *,
    saved_report: SavedReport,
    actor: AbstractBaseUser,
    name: str,
    entity: str,
    definition: dict,
    description: str = "",
    roles: Iterable[Role] = (),
) -> SavedReport:
    """The report changed as saved_report_create would make it. Raises PermissionDenied
    when `actor` is not its owner, ValidationError as saved_report_create; nothing changes
    then."""
    _require_owner(saved_report, actor)
    name = _checked_name(owner=actor, name=name, saved_report=saved_report)
    definition = builder_definition_validate(entity, definition)
    saved_report.name, saved_report.entity, saved_report.definition = name, entity, definition
    saved_report.description = (description or "").strip()
    saved_report.save()
    saved_report.shared_with_roles.set(roles)
    return saved_report


@transaction.atomic
def saved_report_delete(*, saved_report: SavedReport, actor: AbstractBaseUser) -> None:
    """Deletes the report (its sharing goes with it). PermissionDenied unless `actor` owns it."""
    _require_owner(saved_report, actor)
    saved_report.delete()
