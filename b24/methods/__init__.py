"""Every method module, imported once (B24Config.ready) so that its methods are registered."""

from . import batch, common, crm  # noqa: F401
