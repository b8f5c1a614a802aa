from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.csv_export import csv_response

from .selectors import deal_export_rows

EXPORT_BATCH = 2000


@require_GET
@login_required
def deal_export(request):
    """The deals the user may export, as CSV (the export scope of their roles decides)."""
    header = [_("ID"), _("Title"), _("Pipeline"), _("Stage"), _("Amount"), _("Currency"),
              _("Responsible"), _("Company"), _("Created")]  # fmt: skip
    rows = (
        [
            deal.pk,
            deal.title,
            deal.pipeline.name,
            deal.stage.name,
            deal.amount,
            deal.currency_id,
            str(deal.responsible or ""),
            str(deal.company or ""),
            deal.created_at.isoformat(),
        ]  # fmt: skip
        for deal in deal_export_rows(actor=request.user).iterator(chunk_size=EXPORT_BATCH)
    )
    return csv_response(filename="deals.csv", header=header, rows=rows)
