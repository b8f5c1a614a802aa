"""Made-up but well-formed identifiers for the demo: INN, KPP and OGRN with valid check digits,
bank accounts with a valid control key, phone numbers and e-mail addresses."""

import random

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
# The control key of a Russian bank account: the last three BIK digits and the 20-digit
# account, weighted 7-1-3 repeatedly, sum to a multiple of 10.
_ACCOUNT_WEIGHTS = ((7, 1, 3) * 8)[:23]

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def _digits(rng: random.Random, count: int) -> str:
    return "".join(str(rng.randint(0, 9)) for _ in range(count))


def inn_of_organisation(rng: random.Random, region: str) -> str:
    """A 10-digit INN: region, tax office, serial number and the check digit."""
    body = f"{region}{rng.randint(1, 99):02d}{_digits(rng, 5)}"
    check = sum(int(digit) * weight for digit, weight in zip(body, _INN10_WEIGHTS, strict=True))
    return f"{body}{check % 11 % 10}"


def kpp_of(inn: str) -> str:
    """The KPP of an organisation's head office: its tax office, reason code 01, number 001."""
    return f"{inn[:4]}01001"


def ogrn_of_organisation(rng: random.Random, region: str, registered_year: int) -> str:
    """A 13-digit OGRN: sign 1, year, region, record number, and the remainder-rule digit."""
    body = f"1{registered_year % 100:02d}{region}{_digits(rng, 7)}"
    return f"{body}{int(body) % 11 % 10}"


def _account_key_sum(bik: str, account: str) -> int:
    return sum(
        int(digit) * weight
        for digit, weight in zip(bik[-3:] + account, _ACCOUNT_WEIGHTS, strict=True)
    )


def settlement_account(rng: random.Random, bik: str) -> str:
    """A company's rouble account (40702 810) at the bank with `bik`, with its control key."""
    branch_and_number = _digits(rng, 11)
    for key in range(10):
        account = f"40702810{key}{branch_and_number}"
        if _account_key_sum(bik, account) % 10 == 0:
            return account
    raise AssertionError("a control key always exists: its weight 3 is coprime with 10")


def mobile_phone(rng: random.Random) -> str:
    """+7 9xx xxx-xx-xx"""
    return f"+7 9{_digits(rng, 2)} {_digits(rng, 3)}-{_digits(rng, 2)}-{_digits(rng, 2)}"


def office_phone(rng: random.Random) -> str:
    """+7 (4xx) xxx-xx-xx"""
    return f"+7 (4{_digits(rng, 2)}) {_digits(rng, 3)}-{_digits(rng, 2)}-{_digits(rng, 2)}"


def transliterate(text: str) -> str:
    return "".join(_TRANSLIT.get(char, char) for char in text.lower())


def email_local_part(first_name: str, last_name: str) -> str:
    return f"{transliterate(first_name)[:1]}.{transliterate(last_name)}"
