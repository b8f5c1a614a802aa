"""When a robot's run is due: at once, after a delay, at / before / after a date field of
the item, and, if the robot says so, moved into the working hours (settings
AUTOMATION_WORKING_HOURS and AUTOMATION_WORKING_DAYS, in the project's time zone)."""

import datetime

from django.conf import settings
from django.utils import timezone

from .models import Robot

UNITS = {
    Robot.Unit.SECONDS: datetime.timedelta(seconds=1),
    Robot.Unit.MINUTES: datetime.timedelta(minutes=1),
    Robot.Unit.HOURS: datetime.timedelta(hours=1),
    Robot.Unit.DAYS: datetime.timedelta(days=1),
}
DATE_TIMINGS = (Robot.Timing.AT_DATE, Robot.Timing.BEFORE_DATE, Robot.Timing.AFTER_DATE)


def delay_of(amount: int, unit: str) -> datetime.timedelta:
    return amount * UNITS[unit]


def robot_due_at(robot: Robot, item, *, start: datetime.datetime) -> datetime.datetime | None:
    """When the robot should run for `item`, counting from `start` (the entry into the stage,
    or the moment the previous robot finished). None when it times by a date the item has
    not got. A moment already past means now."""
    delay = delay_of(robot.delay, robot.delay_unit)
    if robot.timing == Robot.Timing.IMMEDIATELY:
        due = start
    elif robot.timing == Robot.Timing.AFTER_DELAY:
        due = start + delay
    else:
        moment = _as_moment(getattr(item, robot.date_field, None))
        if moment is None:
            return None
        due = {
            Robot.Timing.AT_DATE: moment,
            Robot.Timing.BEFORE_DATE: moment - delay,
            Robot.Timing.AFTER_DATE: moment + delay,
        }[robot.timing]
        due = max(due, start)
    return within_working_hours(due) if robot.working_hours_only else due


def _as_moment(value) -> datetime.datetime | None:
    """A date field's value as a moment: a date means the start of that day's working hours."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value
    start_hour = settings.AUTOMATION_WORKING_HOURS[0]
    return timezone.make_aware(datetime.datetime.combine(value, datetime.time(start_hour)))


def within_working_hours(moment: datetime.datetime) -> datetime.datetime:
    """`moment` if it falls within working hours, else the start of the next working hours."""
    start_hour, end_hour = settings.AUTOMATION_WORKING_HOURS
    local = timezone.localtime(moment)
    for _day in range(8):
        is_working_day = local.weekday() in settings.AUTOMATION_WORKING_DAYS
        opens = local.replace(hour=start_hour, minute=0, second=0, microsecond=0)
        closes = local.replace(hour=end_hour, minute=0, second=0, microsecond=0)
        if is_working_day and local < closes:
            return max(local, opens)
        local = (local + datetime.timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                             microsecond=0)  # fmt: skip
    return moment  # no working day configured: do not wait forever
