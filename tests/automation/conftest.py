"""Robots on the default pipeline's stages, and a deal to move through them."""

import pytest

from automation.actions.base import action_settings_validate
from automation.models import Robot
from tests.factories import DealFactory, UserFactory


@pytest.fixture
def stages(pipeline) -> dict:
    return {stage.name: stage for stage in pipeline.stages.all()}


@pytest.fixture
def manager(db):
    return UserFactory(username="manager", first_name="Anna", last_name="Petrova")


@pytest.fixture
def deal(pipeline, manager):
    return DealFactory(title="Paint for the school", responsible=manager)


@pytest.fixture
def make_robot():
    """make_robot(place, action, settings, **fields): a robot with validated settings."""

    def make(place, action: str, settings: dict, **fields) -> Robot:
        is_stage = place._meta.model_name == "stage"
        cleaned = action_settings_validate(action, settings, place=place,
                                           entity_type="deal" if is_stage else "lead")  # fmt: skip
        return Robot.objects.create(
            name=fields.pop("name", action), action=action, settings=cleaned,
            **({"stage": place} if is_stage else {"lead_status": place}), **fields,
        )  # fmt: skip

    return make
