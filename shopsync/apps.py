from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ShopsyncConfig(AppConfig):
    name = "shopsync"
    verbose_name = _("Shop integration")

    def ready(self) -> None:
        from . import push  # noqa: F401 (subscribes the status pushes to the deals' moves)
