"""Every method module, imported once (B24Config.ready) so that its methods are registered."""

from . import activities, batch, common, crm, products, reference  # noqa: F401
