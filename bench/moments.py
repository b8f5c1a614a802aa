"""Random moments in the seeded history: the two years up to the moment the seeding started."""

import datetime
import random

HISTORY_DAYS = 730
# 9:00 to 19:00 in Moscow, where the seeded sales team works (UTC+3 all year).
WORKDAY_STARTS = datetime.timedelta(hours=6)
WORKDAY_SECONDS = 10 * 3600
DAY = datetime.timedelta(days=1)


class Moments:
    """Draws aware UTC datetimes from `rng`, never later than `now`."""

    def __init__(self, rng: random.Random, now: datetime.datetime):
        self.rng = rng
        self.now = now
        self._today = now.astimezone(datetime.UTC).replace(
            hour=0, minute=0, second=0, microsecond=0
        )

    def in_history(self) -> datetime.datetime:
        """A moment during working hours on one of the last HISTORY_DAYS days."""
        day = self._today - self.rng.randrange(HISTORY_DAYS) * DAY
        moment = (
            day + WORKDAY_STARTS + datetime.timedelta(seconds=self.rng.randrange(WORKDAY_SECONDS))
        )
        return moment if moment <= self.now else moment - DAY

    def between(self, start: datetime.datetime, end: datetime.datetime) -> datetime.datetime:
        """A moment from `start` to `end`; `start` itself when `end` is not later."""
        if end <= start:
            return start
        return start + (end - start) * self.rng.random()

    def after(self, start: datetime.datetime, at_most: datetime.timedelta) -> datetime.datetime:
        """A moment within `at_most` after `start`, but not after now."""
        return self.between(start, min(start + at_most, self.now))
