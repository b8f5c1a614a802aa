from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopsyncConfig(AppConfig):
    name = "shopsync"
    verbose_name = _("Shop integration")

    def ready(self) -> None:
        from . import crm_orders, push  # noqa: F401 (the fields shops own; the pushes' handlers)
