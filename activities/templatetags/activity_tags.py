"""The activity block of an item's card: `{% activity_block entity as block %}` gathers what
activities/entity_activities.html shows, for a card that includes it with just the item."""

from dataclasses import dataclass, field

from django import forms, template
from django.contrib.auth.base_user import AbstractBaseUser
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from accounts.models import PermissionAction
from accounts.policy import can

from ..forms import ADD_FORMS, ActivityCompleteForm
from ..models import Activity
from ..selectors import entity_activities

register = template.Library()

ADD_TITLES = {
    Activity.Kind.CALL: _("Call"),
    Activity.Kind.MEETING: _("Meeting"),
    Activity.Kind.TASK: _("Task"),
    Activity.Kind.EMAIL: _("E-mail"),
    Activity.Kind.COMMENT: _("Comment"),
}


@dataclass
class AddDialog:
    kind: str
    title: str
    url: str
    form: forms.Form
    is_open: bool = False


@dataclass
class ActivityBlock:
    entity: models.Model
    entity_type: str
    entity_id: int
    can_edit: bool
    planned: list[Activity]
    journal: list[Activity]
    dialogs: list[AddDialog] = field(default_factory=list)
    complete_form: forms.Form | None = None


def activity_block_context(
    *,
    user: AbstractBaseUser,
    entity: models.Model,
    can_edit: bool | None = None,
    bound_form: forms.Form | None = None,
    bound_kind: str = "",
) -> ActivityBlock:
    """What the block shows for `entity` (already checked visible to `user`). `bound_form`
    (of `bound_kind`) is a refused form shown again, open, with its errors."""
    entity_type, entity_id = str(entity.ENTITY_TYPE), entity.pk
    if can_edit is None:
        can_edit = can(user, PermissionAction.EDIT, entity)
    activities = entity_activities(entity_type=entity_type, entity_id=entity_id)
    dialogs = [
        AddDialog(
            kind=kind,
            title=ADD_TITLES[kind],
            url=reverse("activities:create", args=[entity_type, entity_id, kind]),
            form=bound_form if kind == bound_kind and bound_form is not None
            else form_class(auto_id=f"id_{entity_type}{entity_id}_{kind}_%s",
                            initial={"responsible": user.pk}),
            is_open=kind == bound_kind,
        )
        for kind, form_class in ADD_FORMS.items()
    ]  # fmt: skip
    return ActivityBlock(
        entity=entity,
        entity_type=entity_type,
        entity_id=entity_id,
        can_edit=can_edit,
        planned=activities.planned,
        journal=activities.journal,
        dialogs=dialogs,
        complete_form=ActivityCompleteForm(auto_id=False),
    )


@register.simple_tag(takes_context=True)
def activity_block(context, entity) -> ActivityBlock:
    # the card has worked out the edit right already (policy.card_rights)
    return activity_block_context(user=context["request"].user, entity=entity,
                                  can_edit=context.get("can_edit"))  # fmt: skip
