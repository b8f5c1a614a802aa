"""Reading what a form posted, for views."""

from django.http import Http404


def posted_id(request, name: str) -> int:
    """The id posted as `name`; Http404 when it is not a positive whole number (a malformed
    id names nothing, and must not reach the database as a 500)."""
    value = request.POST.get(name, "").strip()
    if not value.isascii() or not value.isdigit() or not 0 < int(value) < 2**63:
        raise Http404
    return int(value)
