"""The demo's robots (demo/data.py ROBOTS) on both pipelines and the lead statuses, set up
through automation.robots.robot_create like any administrator's.

Built last, after every deal and lead has been moved: robots run for items that enter their
stage from then on, so the demo's history gets no runs of its own.
"""

from automation.models import Robot
from automation.robots import robot_create

from . import data


def build_automation(demo) -> list[Robot]:
    """Create the demo robots, in the order of data.ROBOTS within each place."""
    return [
        robot_create(place=_place(demo, spec["place"]), values=_values(demo, spec))
        for spec in data.ROBOTS
    ]


def _place(demo, place: tuple[str, str]):
    group, key = place
    if group == data.LEADS:
        return demo.statuses[key]
    return demo.stages[group][key]


def _values(demo, spec: dict) -> dict:
    """The robot's values with usernames and stage keys in its settings turned into ids."""
    group, _key = spec["place"]
    settings = dict(spec["settings"])
    if "users" in settings:
        settings["users"] = [demo.users[username].pk for username in settings["users"]]
    if "target" in settings:
        settings["target"] = demo.stages[group][settings["target"]].pk
    values = {name: value for name, value in spec.items() if name != "place"}
    return values | {"settings": settings}
