"""Made-up but well-formed values for the seeder: Russian names, phones, e-mails, company
names, addresses, and INN / KPP / OGRN with valid check digits.

Every function draws from the `random.Random` it is given, so the seeder stays deterministic.
Phones and e-mails come with their normalised form, the one contacts.communications computes:
E.164 (+79161234567) and lower case.
"""

import random
from typing import NamedTuple

from .weighted_choice import WeightedChoice

MALE_FIRST_NAMES = (
    "Александр", "Алексей", "Андрей", "Антон", "Артём", "Борис", "Вадим", "Василий", "Виктор",
    "Владимир", "Дмитрий", "Евгений", "Егор", "Иван", "Игорь", "Кирилл", "Константин", "Максим",
    "Михаил", "Никита", "Николай", "Олег", "Павел", "Роман", "Сергей", "Степан", "Юрий",
)  # fmt: skip
FEMALE_FIRST_NAMES = (
    "Алина", "Алла", "Анастасия", "Анна", "Валентина", "Вера", "Виктория", "Галина", "Дарья",
    "Евгения", "Екатерина", "Елена", "Ирина", "Ксения", "Лариса", "Людмила", "Марина",
    "Мария", "Наталья", "Ольга", "Полина", "Светлана", "Татьяна", "Юлия",
)  # fmt: skip
# Fathers' names, from which the patronymics are made.
FATHER_NAMES = (
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"), ("Андреевич", "Андреевна"),
    ("Викторович", "Викторовна"), ("Владимирович", "Владимировна"), ("Дмитриевич", "Дмитриевна"),
    ("Евгеньевич", "Евгеньевна"), ("Иванович", "Ивановна"), ("Игоревич", "Игоревна"),
    ("Михайлович", "Михайловна"), ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"),
    ("Павлович", "Павловна"), ("Петрович", "Петровна"), ("Сергеевич", "Сергеевна"),
    ("Юрьевич", "Юрьевна"),
)  # fmt: skip
# Male forms ending in -ов, -ев or -ин: the female form adds "а".
LAST_NAMES = (
    "Алексеев", "Андреев", "Белов", "Васильев", "Волков", "Воробьёв", "Гаврилов", "Голубев",
    "Григорьев", "Данилов", "Егоров", "Жуков", "Зайцев", "Захаров", "Иванов", "Ильин",
    "Калинин", "Ковалёв", "Козлов", "Комаров", "Кузнецов", "Лебедев", "Макаров", "Медведев",
    "Морозов", "Никитин", "Новиков", "Орлов", "Павлов", "Петров", "Попов", "Романов", "Семёнов",
    "Сидоров", "Смирнов", "Соколов", "Соловьёв", "Степанов", "Тарасов", "Титов", "Фёдоров",
    "Фролов", "Яковлев",
)  # fmt: skip

BRAND_STARTS = (
    "Альфа", "Арго", "Атлант", "Байкал", "Вектор", "Восток", "Гелиос", "Гранит", "Дельта",
    "Евро", "Зенит", "Интер", "Кедр", "Континент", "Крона", "Лидер", "Магистраль", "Меридиан",
    "Монолит", "Нева", "Нова", "Омега", "Орион", "Палитра", "Прайм", "Прогресс", "Радуга",
    "Регион", "Сибирь", "Сигма", "Спектр", "Стандарт", "Старт", "Техно", "Урал", "Феникс",
    "Форвард", "Эверест", "Эко", "Энерго",
)  # fmt: skip
BRAND_ENDS = (
    "Трейд", "Сервис", "Пром", "Строй", "Групп", "Маркет", "Логистик", "Снаб", "Торг", "Софт",
    "Систем", "Инвест", "Консалт", "Медиа", "Транс", "Агро", "Фарм", "Тех", "Плюс", "Мастер",
    "Проект", "Снабжение", "Комплект", "Опт", "Дизайн", "Лайн", "Вест", "Норд", "Альянс", "Центр",
)  # fmt: skip
BRAND_TAILS = ("М", "С", "Т", "Н", "К", "Юг", "Север", "2000", "XXI", "Плюс", "Про", "1")
# abbreviation, full legal form, share of companies
LEGAL_FORMS = (
    ("ООО", "Общество с ограниченной ответственностью", 70),
    ("АО", "Акционерное общество", 10),
    ("ПАО", "Публичное акционерное общество", 2),
    ("ИП", "Индивидуальный предприниматель", 18),
)

# city, postcode prefix, telephone area code, tax region (first two INN digits), weight
CITIES = (
    ("Москва", "1", "495", "77", 30), ("Санкт-Петербург", "19", "812", "78", 14),
    ("Новосибирск", "630", "383", "54", 5), ("Екатеринбург", "620", "343", "66", 5),
    ("Казань", "420", "843", "16", 5), ("Нижний Новгород", "603", "831", "52", 4),
    ("Челябинск", "454", "351", "74", 3), ("Самара", "443", "846", "63", 3),
    ("Ростов-на-Дону", "344", "863", "61", 4), ("Краснодар", "350", "861", "23", 4),
    ("Воронеж", "394", "473", "36", 3), ("Пермь", "614", "342", "59", 3),
    ("Уфа", "450", "347", "02", 3), ("Красноярск", "660", "391", "24", 3),
    ("Тюмень", "625", "345", "72", 2),
)  # fmt: skip
STREETS = (
    "ул. Ленина", "ул. Гагарина", "ул. Мира", "ул. Советская", "ул. Садовая", "пр-т Победы",
    "ул. Заводская", "ул. Промышленная", "ул. Новая", "ул. Лесная", "Московское ш.",
    "ул. Пушкина", "ул. Кирова", "наб. Речная", "ул. Строителей", "пр-т Космонавтов",
)  # fmt: skip
# bank, BIK, correspondent account
BANKS = (
    ("ПАО Сбербанк", "044525225", "30101810400000000225"),
    ("Банк ВТБ (ПАО)", "044525187", "30101810700000000187"),
    ("АО «Альфа-Банк»", "044525593", "30101810200000000593"),
    ("АО «Т-Банк»", "044525974", "30101810145250000974"),
    ("ПАО «Промсвязьбанк»", "044525555", "30101810400000000555"),
)
MOBILE_CODES = (
    "900", "901", "903", "905", "906", "909", "910", "912", "915", "916", "917", "919", "920",
    "921", "925", "926", "927", "929", "950", "951", "953", "958", "960", "961", "962", "963",
    "964", "965", "968", "977", "980", "985", "987", "999",
)  # fmt: skip
PUBLIC_MAIL_DOMAINS = ("mail.ru", "yandex.ru", "gmail.com", "bk.ru", "list.ru", "inbox.ru")

_INN10_WEIGHTS = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_INN12_WEIGHTS_12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_TRANSLITERATION = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r",
    "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch", "ш": "sh",
    "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "-": "-", " ": "",
}  # fmt: skip


def transliterate(text: str) -> str:
    """Latin letters for a Russian word, lower case: "Сергеев" -> "sergeev"."""
    return "".join(_TRANSLITERATION.get(char, char) for char in text.lower())


class Person(NamedTuple):
    first_name: str
    middle_name: str
    last_name: str
    first_name_latin: str
    last_name_latin: str


def _people() -> tuple[tuple[Person, ...], tuple[Person, ...]]:
    """Every name combination once, men and women, with the Latin spelling worked out ahead
    (transliterating each generated person would cost more than everything else about them)."""
    men, women = [], []
    for last in LAST_NAMES:
        for first in MALE_FIRST_NAMES:
            men.extend(
                Person(first, middle, last, transliterate(first), transliterate(last))
                for middle, _ in FATHER_NAMES
            )
        for first in FEMALE_FIRST_NAMES:
            women.extend(
                Person(first, middle, f"{last}а", transliterate(first), transliterate(f"{last}а"))
                for _, middle in FATHER_NAMES
            )
    return tuple(men), tuple(women)


MEN, WOMEN = _people()


def person(rng: random.Random) -> Person:
    """A man or a woman with first name, patronymic and last name."""
    return rng.choice(MEN if rng.random() < 0.5 else WOMEN)


class PhoneOrEmail(NamedTuple):
    value: str  # as a person typed it
    normalized_value: str  # as duplicate search compares it


def _phone_from_digits(rng: random.Random, code: str, number: int) -> PhoneOrEmail:
    local = f"{code}{number:07d}"
    spelling = rng.random()
    if spelling < 0.4:
        value = f"+7 {local[:3]} {local[3:6]}-{local[6:8]}-{local[8:]}"
    elif spelling < 0.7:
        value = f"8 ({local[:3]}) {local[3:6]}-{local[6:8]}-{local[8:]}"
    elif spelling < 0.9:
        value = f"+7{local}"
    else:
        value = f"8{local}"
    return PhoneOrEmail(value, f"+7{local}")


def mobile_phone(rng: random.Random) -> PhoneOrEmail:
    """A Russian mobile number, spelled one of the ways people write them."""
    return _phone_from_digits(rng, rng.choice(MOBILE_CODES), rng.randrange(10_000_000))


def office_phone(rng: random.Random, area_code: str) -> PhoneOrEmail:
    """A landline number in the area `area_code` (three digits, e.g. "495")."""
    return _phone_from_digits(rng, area_code, rng.randrange(2_000_000, 10_000_000))


def email(rng: random.Random, someone: Person, domain: str | None = None) -> PhoneOrEmail:
    """An e-mail address: at the company's `domain`, else at a public mail service. Some are
    typed with capitals; the normalised form is lower case."""
    if domain is None:
        local = f"{someone.last_name_latin}.{someone.first_name_latin}{rng.randrange(1, 1000)}"
        domain = rng.choice(PUBLIC_MAIL_DOMAINS)
    else:
        local = f"{someone.first_name_latin[0]}.{someone.last_name_latin}"
    value = f"{local}@{domain}"
    if rng.random() < 0.2:
        value = f"{local.title()}@{domain.capitalize()}"
    return PhoneOrEmail(value, value.lower())


class City(NamedTuple):
    name: str
    postcode_prefix: str
    area_code: str
    tax_region: str


_CITIES = WeightedChoice((City(*values), weight) for *values, weight in CITIES)


def city(rng: random.Random) -> City:
    """A city, Moscow and Saint Petersburg more often than the rest."""
    return _CITIES.pick(rng)


def address(rng: random.Random, place: City) -> str:
    postcode = place.postcode_prefix + _digits(rng, 6 - len(place.postcode_prefix))
    return f"{postcode}, г. {place.name}, {rng.choice(STREETS)}, д. {rng.randrange(1, 150)}"


class CompanyName(NamedTuple):
    title: str  # as the CRM shows it: ООО «Вектор-Трейд»
    legal_name: str  # as the requisites spell it out
    legal_form: str  # ООО, АО, ПАО or ИП
    domain: str | None  # a sole proprietor has none


_LEGAL_FORMS = WeightedChoice(((short, full), weight) for short, full, weight in LEGAL_FORMS)


def company_name(rng: random.Random) -> CompanyName:
    """An organisation with a brand name, or a sole proprietor named after its owner."""
    short, full = _LEGAL_FORMS.pick(rng)
    if short == "ИП":
        owner = person(rng)
        initials = f"{owner.first_name[0]}.{owner.middle_name[0]}."
        full_name = f"{owner.last_name} {owner.first_name} {owner.middle_name}"
        return CompanyName(f"ИП {owner.last_name} {initials}", f"{full} {full_name}", short, None)
    start, end = rng.choice(BRAND_STARTS), rng.choice(BRAND_ENDS)
    pattern = rng.random()
    if pattern < 0.5:
        brand = f"{start}{end.lower()}"
    elif pattern < 0.8:
        brand = f"{start}-{end}"
    else:
        brand = f"{start}{end.lower()}-{rng.choice(BRAND_TAILS)}"
    domain = f"{transliterate(brand).replace('-', '')}.ru"
    return CompanyName(f"{short} «{brand}»", f"{full} «{brand}»", short, domain)


def _digits(rng: random.Random, count: int) -> str:
    return f"{rng.randrange(10**count):0{count}d}"


def _check_digit(digits: str, weights: tuple[int, ...]) -> str:
    return str(
        sum(int(digit) * weight for digit, weight in zip(digits, weights, strict=True)) % 11 % 10
    )


def inn_of_organisation(rng: random.Random, tax_region: str) -> str:
    """10 digits: region, tax office, number, check digit."""
    body = f"{tax_region}{_digits(rng, 7)}"
    return body + _check_digit(body, _INN10_WEIGHTS)


def inn_of_person(rng: random.Random, tax_region: str) -> str:
    """12 digits (a sole proprietor): region, tax office, number, two check digits."""
    body = f"{tax_region}{_digits(rng, 8)}"
    body += _check_digit(body, _INN12_WEIGHTS_11)
    return body + _check_digit(body, _INN12_WEIGHTS_12)


def kpp(inn: str) -> str:
    """The head office's KPP: the INN's tax office, reason 01, number 001."""
    return f"{inn[:4]}01001"


def ogrn(rng: random.Random, tax_region: str, year: int) -> str:
    """13 digits: sign 1, year, region, record number, and the remainder-by-11 digit."""
    body = f"1{year % 100:02d}{tax_region}{_digits(rng, 7)}"
    return f"{body}{int(body) % 11 % 10}"


def ogrnip(rng: random.Random, tax_region: str, year: int) -> str:
    """15 digits (a sole proprietor): sign 3, year, region, number, remainder-by-13 digit."""
    body = f"3{year % 100:02d}{tax_region}{_digits(rng, 9)}"
    return f"{body}{int(body) % 13 % 10}"


class BankAccount(NamedTuple):
    bank_name: str
    bik: str
    correspondent_account: str
    settlement_account: str


def bank_account(rng: random.Random) -> BankAccount:
    """A rouble account of a company (40702 810 ...) at one of the big banks."""
    bank_name, bik, correspondent = rng.choice(BANKS)
    return BankAccount(bank_name, bik, correspondent, f"40702810{_digits(rng, 12)}")
