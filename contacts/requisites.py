"""Checksums of Russian company identifiers, so a mistyped INN is caught at entry."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check_digit(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def validate_inn(value: str) -> None:
    """10 digits (organisation) or 12 (person / sole proprietor) with valid check digits."""
    if not value.isdigit() or len(value) not in (10, 12):
        raise ValidationError(_("An INN has 10 or 12 digits."), code="inn_length")
    if len(value) == 10:
        valid = _check_digit(value, _INN10_WEIGHTS) == int(value[9])
    else:
        valid = _check_digit(value, _INN12_WEIGHTS_11) == int(value[10]) and _check_digit(
            value, _INN12_WEIGHTS_12
        ) == int(value[11])
    if not valid:
        raise ValidationError(
            _("The INN %(inn)s has a wrong check digit.") % {"inn": value}, code="inn_checksum"
        )


def validate_ogrn(value: str) -> None:
    """13 digits (OGRN) or 15 (OGRNIP) whose last digit is the remainder rule's."""
    if not value.isdigit() or len(value) not in (13, 15):
        raise ValidationError(_("An OGRN has 13 or 15 digits."), code="ogrn_length")
    body, check = int(value[:-1]), int(value[-1])
    modulus = 11 if len(value) == 13 else 13
    if body % modulus % 10 != check:
        raise ValidationError(
            _("The OGRN %(ogrn)s has a wrong check digit.") % {"ogrn": value}, code="ogrn_checksum"
        )
