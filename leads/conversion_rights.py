"""Who may convert a lead into what: the one check the convert dialog and the API share."""

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import can_assign
from deals.services import pipeline_default

from .models import Lead
from .services import Conversion


def check_convert_rights(actor: AbstractBaseUser, lead: Lead, conversion: Conversion) -> None:
    """Creating a contact, company or deal from the lead needs the right to add one for the
    responsible it will get; a deal's in the pipeline it lands in (the default one unless
    chosen). Raises PermissionDenied."""
    responsible = lead.responsible or actor
    pipeline_id = (conversion.pipeline or pipeline_default()).pk if conversion.deal else None
    wanted = [(PermissionEntity.CONTACT, conversion.contact is True, None),
              (PermissionEntity.COMPANY, conversion.company is True, None),
              (PermissionEntity.DEAL, conversion.deal, pipeline_id)]  # fmt: skip
    for entity, is_created, pipeline in wanted:
        if is_created and not can_assign(actor, entity, responsible=responsible,
                                         action=PermissionAction.ADD, pipeline_id=pipeline):  # fmt: skip
            raise PermissionDenied(
                _("Your role does not let you create this for %(user)s.") % {"user": responsible}
            )
