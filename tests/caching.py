"""Per-process caches a query count must not depend on."""

from django.contrib.contenttypes.models import ContentType

from accounts.policy import forget_grants


def as_in_a_new_process(user):
    """`user` with nothing cached: neither their grants nor the content types the share
    tables are found by, so that a query count is the worst case whatever ran before."""
    ContentType.objects.clear_cache()
    forget_grants(user)
    return user
