"""Activities, item timelines and the user's notifications over the REST API.

Activities follow the activity scope (by their responsible); a new one is bound to items the
user may edit (404 out of sight, 403 seen but not editable), like the card's activity block.
A timeline is read with its item's view right and commented with its edit right.
Notifications are the user's own: anybody else's answer 404. Writes go through
activities.services, like the UI's."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from accounts.api_access import ScopedModelViewSet
from accounts.models import PermissionAction, PermissionEntity
from accounts.policy import get_item, require_activity_assign
from core.api.fields import SelectableFieldsMixin
from core.api.idempotency import IdempotentCreateMixin
from core.models import EntityType

from .filters import ActivityApiFilter, NotificationApiFilter
from .models import Activity, Notification, TimelineEvent
from .selectors import (
    activity_list,
    notification_get,
    notification_list,
    timeline_event_list,
    timeline_event_of,
)
from .services import (
    activity_comment_add,
    activity_complete,
    activity_create,
    activity_delete,
    activity_email_send,
    activity_update,
    notification_mark_read,
    notifications_mark_all_read,
)

MAX_BOUND_ITEMS = 20
# comments are written on an item's timeline (POST /timeline/), not here
NOT_CREATABLE_KINDS = {Activity.Kind.COMMENT}

EXAMPLE = {
    "id": 88, "kind": "call", "status": "planned", "subject": "Ask about the colour",
    "description": "", "direction": "outgoing", "priority": "normal", "location": "",
    "starts_at": None, "deadline": "2026-12-01T12:00:00+03:00",
    "remind_at": "2026-12-01T11:30:00+03:00", "repeat_every": None, "repeat_unit": "",
    "repeat_until": None, "result": "", "email_from": "", "email_to": "", "responsible": 7,
    "created_by": 7, "is_created_by_robot": False, "is_overdue": False, "completed_at": None,
    "completed_by": None, "bound_to": [{"entity_type": "deal", "entity_id": 42}],
    "created_at": "2026-11-20T10:15:00+03:00", "updated_at": "2026-11-20T10:15:00+03:00",
}  # fmt: skip


def _active_users():
    return get_user_model().objects.filter(is_active=True)


def _item(user, entity_type: str, entity_id: int, action: str):
    """The item if `user` may `action` it; DoesNotExist (404) out of sight, PermissionDenied
    (403) seen but not open to `action`."""
    return get_item(user, entity_type, entity_id, action)


class BoundItemSerializer(serializers.Serializer):
    entity_type = serializers.ChoiceField(choices=EntityType.choices)
    entity_id = serializers.IntegerField(min_value=1)


class ActivitySerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    bound_to = BoundItemSerializer(source="bindings", many=True, read_only=True)
    is_overdue = serializers.BooleanField(read_only=True)
    # read-only choice fields lose their blank choice in DRF, and so in the schema: say it
    direction = serializers.ChoiceField(
        Activity.Direction.choices, allow_blank=True, read_only=True
    )
    repeat_unit = serializers.ChoiceField(Activity.RepeatUnit.choices, allow_blank=True,
                                          read_only=True)  # fmt: skip

    class Meta:
        model = Activity
        fields = [
            "id", "kind", "status", "subject", "description", "direction", "priority",
            "location", "starts_at", "deadline", "remind_at", "repeat_every", "repeat_unit",
            "repeat_until", "result", "email_from", "email_to", "responsible", "created_by",
            "is_created_by_robot", "is_overdue", "completed_at", "completed_by", "bound_to",
            "created_at", "updated_at",
        ]  # fmt: skip
        read_only_fields = fields


class ActivityCreateSerializer(serializers.ModelSerializer):
    responsible = serializers.PrimaryKeyRelatedField(
        queryset=_active_users(), required=False,
        help_text=gettext_lazy("Default: the user."),
    )  # fmt: skip
    bound_to = BoundItemSerializer(
        many=True, allow_empty=False, max_length=MAX_BOUND_ITEMS,
        help_text=gettext_lazy("The items the activity concerns; the user must be able to "
                               "edit each of them."),
    )  # fmt: skip
    is_done = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy("It already happened: log it as done (not for e-mails, which "
                               "are sent and logged as done)."),
    )  # fmt: skip
    recipients = serializers.ListField(
        child=serializers.EmailField(), required=False, max_length=50,
        help_text=gettext_lazy("E-mails only: the addresses to send to. The description is "
                               "the message."),
    )  # fmt: skip

    class Meta:
        model = Activity
        fields = [
            "kind", "subject", "description", "direction", "priority", "location",
            "starts_at", "deadline", "remind_at", "repeat_every", "repeat_unit",
            "repeat_until", "responsible", "is_done", "bound_to", "recipients",
        ]  # fmt: skip

    def validate_kind(self, kind: str) -> str:
        if kind in NOT_CREATABLE_KINDS:
            raise serializers.ValidationError(_("Comment on an item through its timeline."))
        return kind

    def validate_bound_to(self, items: list[dict]) -> list[dict]:
        unique = {(item["entity_type"], item["entity_id"]): item for item in items}
        return list(unique.values())

    def validate(self, data: dict) -> dict:
        is_email = data["kind"] == Activity.Kind.EMAIL
        if is_email and not data.get("recipients"):
            raise serializers.ValidationError({"recipients": _("Give at least one recipient.")})
        if is_email and not data.get("description", "").strip():
            raise serializers.ValidationError({"description": _("Write the message.")})
        if not is_email and data.get("recipients"):
            raise serializers.ValidationError({"recipients": _("Only an e-mail has recipients.")})
        return data

    def to_representation(self, instance):
        return ActivitySerializer(instance, context=self.context).data


class ActivityUpdateSerializer(serializers.ModelSerializer):
    responsible = serializers.PrimaryKeyRelatedField(queryset=_active_users(), allow_null=True,
                                                     required=False)  # fmt: skip

    class Meta:
        model = Activity
        fields = ["subject", "description", "deadline", "remind_at", "priority", "responsible"]

    def to_representation(self, instance):
        return ActivitySerializer(instance, context=self.context).data


class ActivityCompleteSerializer(serializers.Serializer):
    result = serializers.CharField(required=False, allow_blank=True, default="")
    stop_repeating = serializers.BooleanField(
        default=False,
        help_text=gettext_lazy("A repeated activity (call again every…) plans no next one."),
    )


@extend_schema_view(
    list=extend_schema(summary="Activities the user may see"),
    retrieve=extend_schema(
        summary="One activity",
        examples=[OpenApiExample("A call", value=EXAMPLE, response_only=True)],
    ),
    create=extend_schema(
        summary="Plan or log an activity, or send an e-mail, about one or more items",
        responses={201: ActivitySerializer},
        examples=[
            OpenApiExample(
                "A call about a deal",
                value={
                    "kind": "call",
                    "subject": "Ask about the colour",
                    "direction": "outgoing",
                    "deadline": "2026-12-01T12:00:00+03:00",
                    "bound_to": [{"entity_type": "deal", "entity_id": 42}],
                },
                request_only=True,
            ),
            OpenApiExample(
                "An e-mail",
                value={
                    "kind": "email",
                    "subject": "Your quote",
                    "description": "Hello, …",
                    "recipients": ["buyer@example.com"],
                    "bound_to": [{"entity_type": "contact", "entity_id": 31}],
                },
                request_only=True,
            ),
        ],
    ),  # fmt: skip
    update=extend_schema(summary="Change a planned activity", responses=ActivitySerializer),
    partial_update=extend_schema(
        summary="Change some fields of a planned activity", responses=ActivitySerializer
    ),
    destroy=extend_schema(summary="Delete a planned activity"),
)
class ActivityViewSet(ScopedModelViewSet):
    entity = PermissionEntity.ACTIVITY
    serializer_class = ActivitySerializer
    filterset_class = ActivityApiFilter
    ordering_fields = ["created_at", "updated_at", "id"]
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        return activity_list(actor=self.request.user).prefetch_related("bindings")

    def object_queryset(self):
        return Activity.objects.select_related("responsible").prefetch_related("bindings")

    def get_serializer_class(self):
        if self.action == "create":
            return ActivityCreateSerializer
        if self.action in ("update", "partial_update"):
            return ActivityUpdateSerializer
        if self.action == "complete":
            return ActivityCompleteSerializer
        return ActivitySerializer

    def perform_create(self, serializer):
        user, data = self.request.user, dict(serializer.validated_data)
        items = [_item(user, item["entity_type"], item["entity_id"], PermissionAction.EDIT)
                 for item in data.pop("bound_to")]  # fmt: skip
        if data["kind"] == Activity.Kind.EMAIL:
            serializer.instance = activity_email_send(
                recipients=data["recipients"], subject=data["subject"],
                body=data["description"], actor=user, bound_to=items,
            )  # fmt: skip
            return
        data.pop("recipients", None)
        responsible = data.pop("responsible", None) or user
        require_activity_assign(user, responsible, action=PermissionAction.ADD)
        serializer.instance = activity_create(actor=user, bound_to=items,
                                              responsible=responsible, **data)  # fmt: skip

    def perform_update(self, serializer):
        activity, data = serializer.instance, serializer.validated_data
        if "responsible" in data and data["responsible"] != activity.responsible:
            require_activity_assign(
                self.request.user, data["responsible"], action=PermissionAction.EDIT
            )
        serializer.instance = activity_update(activity=activity, actor=self.request.user,
                                              data=data)  # fmt: skip

    def perform_destroy(self, instance):
        activity_delete(activity=instance, actor=self.request.user)

    @extend_schema(summary="Mark a planned activity done, with its result",
                   request=ActivityCompleteSerializer, responses=ActivitySerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def complete(self, request, pk=None):
        activity = self.get_object()
        serializer = ActivityCompleteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        activity = activity_complete(activity=activity, actor=request.user,
                                     **serializer.validated_data)  # fmt: skip
        return Response(ActivitySerializer(activity, context=self.get_serializer_context()).data)


class ActivitySummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Activity
        fields = ["id", "kind", "status", "subject", "description", "result", "deadline"]
        read_only_fields = fields


class TimelineEventSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    activity = ActivitySummarySerializer(read_only=True, allow_null=True)

    class Meta:
        model = TimelineEvent
        fields = ["id", "entity_type", "entity_id", "kind", "actor", "payload", "activity",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class TimelineItemSerializer(serializers.Serializer):
    entity_type = serializers.ChoiceField(choices=EntityType.choices)
    entity_id = serializers.IntegerField(min_value=1)


class TimelineCommentSerializer(TimelineItemSerializer):
    text = serializers.CharField(max_length=10_000)

    def to_representation(self, instance):
        return TimelineEventSerializer(instance, context=self.context).data


ITEM_PARAMETERS = [
    OpenApiParameter("entity_type", str, required=True, enum=EntityType.values,
                     description="The item's type."),
    OpenApiParameter("entity_id", int, required=True, description="The item's id."),
]  # fmt: skip


@extend_schema_view(
    list=extend_schema(summary="An item's timeline, newest first", parameters=ITEM_PARAMETERS),
    create=extend_schema(
        summary="Comment on an item",
        request=TimelineCommentSerializer,
        responses={201: TimelineEventSerializer},
        examples=[
            OpenApiExample(
                "A comment",
                value={"entity_type": "deal", "entity_id": 42, "text": "Called: call back Monday."},
                request_only=True,
            )
        ],
    ),
)
class TimelineViewSet(
    IdempotentCreateMixin, mixins.ListModelMixin, mixins.CreateModelMixin, viewsets.GenericViewSet
):
    """The events of one item (required `entity_type` and `entity_id`): visible with the item
    (404 otherwise), commented by whoever may edit it (403 when seen but not editable)."""

    serializer_class = TimelineEventSerializer
    filter_backends = []  # one order: newest first, in cursor pages

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return TimelineEvent.objects.none()
        item = TimelineItemSerializer(data=self.request.query_params)
        item.is_valid(raise_exception=True)
        entity = _item(self.request.user, item.validated_data["entity_type"],
                       item.validated_data["entity_id"], PermissionAction.VIEW)  # fmt: skip
        return timeline_event_list(entity=entity)

    def get_serializer_class(self):
        if self.action == "create":
            return TimelineCommentSerializer
        return TimelineEventSerializer

    def perform_create(self, serializer):
        data, user = serializer.validated_data, self.request.user
        entity = _item(user, data["entity_type"], data["entity_id"], PermissionAction.EDIT)
        comment = activity_comment_add(text=data["text"], actor=user, bound_to=[entity])
        serializer.instance = timeline_event_of(entity=entity, activity=comment)


class NotificationSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)
    title = serializers.CharField(
        source="title_text", read_only=True, help_text=_("In the request's language.")
    )
    message = serializers.CharField(source="message_text", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "message", "url", "activity", "is_read", "read_at",
                  "created_at"]  # fmt: skip
        read_only_fields = fields


class InboxPagination(LimitOffsetPagination):
    """Pages of the inbox by `?limit=` and `?offset=`: its order (unread first) is not one a
    cursor can follow, and an inbox stays small (read notifications are purged)."""

    default_limit = 50
    max_limit = 200


@extend_schema_view(
    list=extend_schema(summary="The user's notifications: unread first, newest first"),
    retrieve=extend_schema(summary="One of the user's notifications"),
)
class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):  # fmt: skip
    """The user's own notifications; anybody else's answer 404."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationApiFilter
    pagination_class = InboxPagination
    filter_backends = [DjangoFilterBackend]  # one order: unread first, newest first
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Notification.objects.none()
        return notification_list(actor=self.request.user)

    def get_object(self):
        return notification_get(actor=self.request.user, notification_id=self.kwargs["pk"])

    @extend_schema(summary="Mark the notification read", request=None,
                   responses=NotificationSerializer)  # fmt: skip
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = notification_mark_read(notification=self.get_object(), actor=request.user)
        return Response(self.get_serializer(notification).data)

    @extend_schema(
        summary="Mark all the user's notifications read",
        request=None,
        responses=inline_serializer("NotificationsMarkedRead",
                                    {"marked": serializers.IntegerField()}),
    )  # fmt: skip
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request):
        marked = notifications_mark_all_read(actor=request.user)
        return Response({"marked": marked}, status=status.HTTP_200_OK)


# (url prefix, viewset, basename) for crm_project/api_urls.py
ROUTES = [
    ("activities", ActivityViewSet, "activity"),
    ("timeline", TimelineViewSet, "timeline"),
    ("notifications", NotificationViewSet, "notification"),
]
