from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebhooksConfig(AppConfig):
    name = "webhooks"
    verbose_name = _("Outgoing webhooks")

    def ready(self) -> None:
        from . import handlers  # noqa: F401  (subscribes to the domain events)
