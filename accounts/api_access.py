"""The REST API's side of the access policy: a model viewset whose list is the app's scoped
selector and whose single objects are checked for the action the request means (view for
GET, edit for PUT / PATCH and verbs, delete for DELETE): 404 out of sight, 403 seen but not
allowed. Creates are idempotent with the Idempotency-Key header."""

from rest_framework import viewsets

from core.api.idempotency import IdempotentCreateMixin

from .models import PermissionAction
from .policy import get_within

ACTION_OF = {
    "retrieve": PermissionAction.VIEW,
    "update": PermissionAction.EDIT,
    "partial_update": PermissionAction.EDIT,
    "destroy": PermissionAction.DELETE,
}


class ScopedModelViewSet(IdempotentCreateMixin, viewsets.ModelViewSet):
    """Set `entity` (a PermissionEntity) and `get_queryset()` (the app's list selector)."""

    entity: str
    # verbs (@action) change their object unless they say otherwise here
    read_only_actions: tuple[str, ...] = ()

    def permission_action(self) -> str:
        if self.action in self.read_only_actions:
            return PermissionAction.VIEW
        return ACTION_OF.get(self.action, PermissionAction.EDIT)

    def get_object(self):
        queryset = self.object_queryset()
        obj = get_within(queryset, user=self.request.user, entity=self.entity,
                         pk=self.kwargs["pk"], action=self.permission_action())  # fmt: skip
        self.check_object_permissions(self.request, obj)
        return obj

    def object_queryset(self):
        """All rows of the model (the policy narrows them), with what the answer shows."""
        return self.get_queryset().model._default_manager.all()
