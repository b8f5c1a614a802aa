"""The import pages: the user's imports, the upload, the column mapping with a preview, and an
import's progress (polled by htmx while it runs) with its totals and rejected-rows report.

Views read through imports.selectors and write through imports.services."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.csv_export import csv_response
from core.errors import ApplicationError, error_text

from .forms import ImportCreateForm, ImportMappingForm
from .models import Import
from .selectors import (
    import_entities_allowed,
    import_get,
    import_list,
    import_preview,
    import_rejected_rows,
)
from .services import import_create, import_start

LIST_LIMIT = 100


def _own_import(request, pk: int) -> Import:
    try:
        return import_get(actor=request.user, import_id=pk)
    except Import.DoesNotExist:
        raise Http404 from None


@require_GET
@login_required
def import_list_view(request):
    """The user's newest imports."""
    context = {
        "imports": import_list(actor=request.user)[:LIST_LIMIT],
        "can_import": bool(import_entities_allowed(actor=request.user)),
    }
    return render(request, "imports/import_list.html", context)


@login_required
def import_create_view(request):
    """Upload a file (entity, file, duplicate policy); then the mapping page."""
    entities = import_entities_allowed(actor=request.user)
    if not entities:
        raise PermissionDenied(_("Your role does not let you import items."))
    form = ImportCreateForm(
        request.POST or None, request.FILES or None, entities=entities,
        initial={"entity": request.GET.get("entity")},
    )  # fmt: skip
    if request.method == "POST" and form.is_valid():
        try:
            csv_import = import_create(actor=request.user, **form.cleaned_data)
        except (ValidationError, PermissionDenied) as error:
            form.add_error("file", error_text(error))
        else:
            return redirect("imports:mapping", csv_import.pk)
    return render(request, "imports/import_form.html", {"form": form})


@login_required
def import_mapping_view(request, pk: int):
    """The first rows of the file and a field for each column (pre-filled); submitting it
    starts the import."""
    csv_import = _own_import(request, pk)
    if csv_import.status != Import.Status.MAPPING:
        return redirect(csv_import)
    form = ImportMappingForm(request.POST or None, csv_import=csv_import)
    if request.method == "POST" and form.is_valid():
        try:
            import_start(csv_import=csv_import, actor=request.user, mapping=form.mapping(),
                         duplicate_policy=form.cleaned_data["duplicate_policy"])  # fmt: skip
        except (ValidationError, ApplicationError, PermissionDenied) as error:
            form.add_error(None, error_text(error))
        else:
            return redirect(csv_import)
    preview = import_preview(csv_import=csv_import)
    columns = [
        (field, [row[index] for row in preview]) for index, field in enumerate(form.columns())
    ]
    context = {"csv_import": csv_import, "form": form, "columns": columns, "preview": preview}
    return render(request, "imports/import_mapping.html", context)


@require_GET
@login_required
def import_detail_view(request, pk: int):
    """The import's progress and totals; an htmx request gets the progress block alone (the
    block polls itself until the import finishes)."""
    csv_import = _own_import(request, pk)
    template = "imports/import_detail.html"
    if request.htmx:
        template += "#progress"
    return render(request, template, {"csv_import": csv_import})


@require_GET
@login_required
def import_rejected_view(request, pk: int):
    """The rejected rows as CSV: the file's columns as they came, then the row's number and
    the reason."""
    csv_import = _own_import(request, pk)
    width = len(csv_import.header)
    rows = (
        [*(row.cells + [""] * width)[:width], row.row_number, row.reason]
        for row in import_rejected_rows(csv_import=csv_import)
    )
    return csv_response(
        filename=f"rejected-{csv_import.pk}.csv",
        header=[*csv_import.header, _("Row"), _("Reason")],
        rows=rows,
    )
