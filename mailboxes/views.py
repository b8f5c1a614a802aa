"""Settings pages of the mailboxes: administrators only (the selectors refuse others)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from .forms import MailboxForm
from .models import Mailbox
from .selectors import mailbox_get, mailbox_list, require_mailbox_administrator
from .services import mailbox_save


@login_required
def mailbox_list_page(request):
    context = {"mailboxes": mailbox_list(actor=request.user), "section": "settings"}
    return render(request, "mailboxes/mailbox_list.html", context)


@login_required
def mailbox_edit(request, pk: int | None = None):
    """Create (no pk) or change a mailbox."""
    if pk is None:
        require_mailbox_administrator(request.user)
        mailbox = Mailbox()
    else:
        mailbox = mailbox_get(actor=request.user, mailbox_id=pk)
    form = MailboxForm(request.POST or None, instance=mailbox)
    if request.method == "POST" and form.is_valid():
        try:
            mailbox = mailbox_save(mailbox=mailbox, data=form.cleaned_data,
                                   password=form.cleaned_data["new_password"])  # fmt: skip
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The mailbox %(name)s is saved.") % {"name": mailbox.name})
            return redirect("mailboxes:list")
    context = {"form": form, "mailbox": mailbox, "section": "settings"}
    return render(request, "mailboxes/mailbox_form.html", context)
