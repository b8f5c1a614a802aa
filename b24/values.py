"""Values as Bitrix24 writes and reads them: ids and amounts as strings, flags as Y / N,
dates and times in ISO 8601 with the offset; and the same read back from what clients send."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib.auth.base_user import AbstractBaseUser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from .errors import B24Error


def show_text(value) -> str:
    return "" if value is None else str(value)


def show_id(value) -> str | None:
    return None if value is None else str(value)


def show_money(value) -> str:
    return f"{Decimal(value or 0):.2f}"


def show_flag(value) -> str:
    return "Y" if value else "N"


def show_datetime(value: datetime.datetime | None) -> str:
    return "" if value is None else timezone.localtime(value).isoformat(timespec="seconds")


def show_date(value: datetime.date | None) -> str:
    """A date as Bitrix24 writes one: its midnight in the portal's time zone."""
    if value is None:
        return ""
    midnight = datetime.datetime.combine(value, datetime.time())
    return timezone.make_aware(midnight).isoformat(timespec="seconds")


def show_upper(value) -> str:
    return str(value or "").upper()


def parse_text(value) -> str:
    if isinstance(value, dict | list):
        raise B24Error("A text value was expected.")
    return "" if value is None else str(value)


def parse_int(value) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise B24Error(f"'{value}' is not an integer.") from None


def parse_money(value) -> Decimal:
    try:
        return Decimal(str(value if value not in (None, "") else 0).replace(",", ".").strip())
    except InvalidOperation:
        raise B24Error(f"'{value}' is not a number.") from None


def parse_date_value(value) -> datetime.date | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    moment = parse_datetime(text)
    if moment is not None:
        return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()
    day = parse_date(text[:10])
    if day is None:
        raise B24Error(f"'{value}' is not a date.")
    return day


def parse_datetime_value(value) -> datetime.datetime | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    moment = parse_datetime(text)
    if moment is None:
        day = parse_date(text)
        if day is None:
            raise B24Error(f"'{value}' is not a date and time.")
        moment = datetime.datetime.combine(day, datetime.time())
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def parse_lower(value) -> str:
    return parse_text(value).lower()


def b24_user(user: AbstractBaseUser) -> dict:
    return {
        "ID": str(user.pk),
        "ACTIVE": bool(user.is_active),
        "EMAIL": user.email,
        "NAME": user.first_name,
        "LAST_NAME": user.last_name,
        "SECOND_NAME": getattr(user, "middle_name", ""),
        "WORK_POSITION": getattr(user, "position", ""),
        "WORK_PHONE": getattr(user, "phone", ""),
        "UF_DEPARTMENT": [user.department_id] if getattr(user, "department_id", None) else [],
        "ADMIN": bool(user.is_superuser),
    }
