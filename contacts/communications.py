"""Normalised forms of phones and e-mails: what duplicate search compares."""

import functools

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from .models import Communication


def normalize_phone(value: str) -> str:
    """E.164 (+79161234567). "8 (916) 123-45-67" and "+7 916 123 45 67" give the same result;
    a number that cannot be parsed keeps just its digits so it is still findable. Numbers
    without a country code are read in settings.PHONE_DEFAULT_REGION."""
    return _normalize_phone(value, settings.PHONE_DEFAULT_REGION)


# Parsing is the slow part of normalising; a batch normalises a number more than once (to
# look for duplicates, then to store it). Keyed by the region too: it changes the answer.
@functools.lru_cache(maxsize=4096)
def _normalize_phone(value: str, region: str) -> str:
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return "".join(ch for ch in value if ch.isdigit())


def normalize(kind: str, value: str) -> str:
    """The normalised value of a communication, or ValidationError if it is not one."""
    value = value.strip()
    if not value:
        raise ValidationError(_("The value is empty."))
    if kind == Communication.Kind.PHONE:
        normalized = normalize_phone(value)
        if len(normalized.lstrip("+")) < 5:
            raise ValidationError(_("%(value)s is not a phone number.") % {"value": value})
        return normalized
    if kind == Communication.Kind.EMAIL:
        validate_email(value)
        return value.lower()
    return value.lower()
