from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class B24Config(AppConfig):
    name = "b24"
    verbose_name = _("Bitrix24-compatible REST")

    def ready(self) -> None:
        from . import methods  # noqa: F401  (registers the methods)
