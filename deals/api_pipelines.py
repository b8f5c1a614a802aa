"""Pipelines and their stages over the REST API: read by anybody signed in (only the stages
their roles do not close to viewing), pipelines created by settings managers through
deals.services.pipeline_create."""

import django_filters
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.parsers import JSONParser

from accounts.api import CanManageSettingsOrReadOnly
from accounts.policy import stages_visible
from core.api.fields import SelectableFieldsMixin
from core.api.idempotency import IdempotentCreateMixin
from core.filters import IdFilter

from .models import Pipeline, Stage
from .services import StageSpec, pipeline_create

PIPELINE_EXAMPLE = {
    "name": "Wholesale", "sort": 200, "is_default": False,
    "stages": [
        {"name": "New", "sort": 10, "semantics": "in_progress", "color": "#39A8EF"},
        {"name": "Won", "sort": 90, "semantics": "won", "color": "#7BD500"},
        {"name": "Lost", "sort": 100, "semantics": "lost", "color": "#FF5752"},
    ],
}  # fmt: skip


class StageSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "pipeline", "name", "sort", "color", "semantics"]
        read_only_fields = fields


class StageSpecSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    sort = serializers.IntegerField(min_value=0)
    semantics = serializers.ChoiceField(choices=Stage.Semantics.choices,
                                        default=Stage.Semantics.IN_PROGRESS)  # fmt: skip
    color = serializers.RegexField(r"^#[0-9A-Fa-f]{6}$", default="#39A8EF")


class PipelineSerializer(SelectableFieldsMixin, serializers.ModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "sort", "is_default", "stages", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]


class PipelineCreateSerializer(PipelineSerializer):
    stages = StageSpecSerializer(many=True, write_only=True)

    class Meta(PipelineSerializer.Meta):
        pass

    def to_representation(self, pipeline: Pipeline) -> dict:
        # the answer shows the pipeline as a read does, stages included
        return PipelineSerializer(pipeline, context=self.context).data


@extend_schema_view(
    list=extend_schema(summary="Pipelines with their stages in order"),
    retrieve=extend_schema(summary="One pipeline with its stages"),
    create=extend_schema(
        summary="Create a pipeline with its stages (settings managers)",
        request=PipelineCreateSerializer,
        responses={201: PipelineSerializer},
        examples=[OpenApiExample("A pipeline", value=PIPELINE_EXAMPLE, request_only=True)],
    ),
)
class PipelineViewSet(
    IdempotentCreateMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = Pipeline.objects.none()  # the schema's model; requests read get_queryset()
    serializer_class = PipelineSerializer
    permission_classes = [CanManageSettingsOrReadOnly]
    parser_classes = [JSONParser]  # stages nest: a form cannot carry them
    ordering_fields = ["sort", "name", "id"]
    ordering = ("sort", "id")

    def get_queryset(self):
        stages = stages_visible(self.request.user, Stage.objects.order_by("sort", "id"))
        return Pipeline.objects.prefetch_related(Prefetch("stages", queryset=stages))

    def get_serializer_class(self):
        return PipelineCreateSerializer if self.action == "create" else PipelineSerializer

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        stages = [StageSpec(**stage) for stage in data.pop("stages")]
        created = pipeline_create(stages=stages, **data)
        serializer.instance = self.get_queryset().get(pk=created.pk)


class StageApiFilter(django_filters.FilterSet):
    pipeline = IdFilter(field_name="pipeline_id", label=_("Pipeline"))

    class Meta:
        model = Stage
        fields = []


@extend_schema_view(
    list=extend_schema(summary="Stages the user may see, by pipeline and order"),
    retrieve=extend_schema(summary="One stage"),
)
class StageViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Stage.objects.none()  # the schema's model; requests read get_queryset()
    serializer_class = StageSerializer
    filterset_class = StageApiFilter
    ordering_fields = ["sort", "id"]
    ordering = ("pipeline_id", "sort", "id")

    def get_queryset(self):
        return stages_visible(self.request.user, Stage.objects.all())


# (url prefix, viewset, basename) for crm_project/api_urls.py
ROUTES = [("pipelines", PipelineViewSet, "pipeline"), ("stages", StageViewSet, "stage")]
