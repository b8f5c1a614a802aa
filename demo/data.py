"""The demo data itself: a wholesale supplier of eco goods ("ЭкоОпт") selling to shops across
Russia, modelled on a real Bitrix24 rollout. Plain lists and dicts; demo/builder.py turns them
into CRM objects through the services."""

from decimal import Decimal

# Every demo user logs in with this password. It is for a local demo database only.
DEMO_PASSWORD = "demo"  # noqa: S105

# E-mail addresses use the reserved .example top-level domain, so nothing is ever delivered.
OWN_DOMAIN = "ecoopt.example"

# code, name, symbol, sort, the rate history to the rouble (oldest first; the last is current)
CURRENCIES = [
    ("RUB", "Российский рубль", "₽", 10, []),
    ("USD", "Доллар США", "$", 20, ["92.40", "90.15", "88.70", "84.95", "82.30", "81.45"]),
    ("EUR", "Евро", "€", 30, ["99.80", "97.60", "96.10", "94.85", "93.20", "94.05"]),
]
RATE_HISTORY_STEP_DAYS = 30

# key, name, parent key
DEPARTMENTS = [
    ("sales", "Отдел продаж", None),
    ("wholesale", "Оптовые продажи", "sales"),
    ("retail", "Розничные продажи", "sales"),
]

# role: admin / director / head / manager; department: a key of DEPARTMENTS or None
USERS = [
    {
        "username": "admin",
        "last_name": "Белова",
        "first_name": "Ольга",
        "middle_name": "Сергеевна",
        "position": "Администратор CRM",
        "role": "admin",
        "department": None,
        "phone": "+7 495 120-45-00",
    },
    {
        "username": "director",
        "last_name": "Морозов",
        "first_name": "Андрей",
        "middle_name": "Викторович",
        "position": "Коммерческий директор",
        "role": "director",
        "department": "sales",
        "phone": "+7 495 120-45-01",
    },
    {
        "username": "head.wholesale",
        "last_name": "Григорьева",
        "first_name": "Елена",
        "middle_name": "Петровна",
        "position": "Руководитель отдела оптовых продаж",
        "role": "head",
        "department": "wholesale",
        "phone": "+7 495 120-45-10",
    },
    {
        "username": "head.retail",
        "last_name": "Лебедев",
        "first_name": "Дмитрий",
        "middle_name": "Олегович",
        "position": "Руководитель отдела розничных продаж",
        "role": "head",
        "department": "retail",
        "phone": "+7 495 120-45-20",
    },
    {
        "username": "ivanov",
        "last_name": "Иванов",
        "first_name": "Иван",
        "middle_name": "Сергеевич",
        "position": "Менеджер по оптовым продажам",
        "role": "manager",
        "department": "wholesale",
        "phone": "+7 495 120-45-11",
    },
    {
        "username": "petrova",
        "last_name": "Петрова",
        "first_name": "Анна",
        "middle_name": "Александровна",
        "position": "Менеджер по оптовым продажам",
        "role": "manager",
        "department": "wholesale",
        "phone": "+7 495 120-45-12",
    },
    {
        "username": "sidorov",
        "last_name": "Сидоров",
        "first_name": "Сергей",
        "middle_name": "Николаевич",
        "position": "Старший менеджер по оптовым продажам",
        "role": "manager",
        "department": "wholesale",
        "phone": "+7 495 120-45-13",
    },
    {
        "username": "kuznetsova",
        "last_name": "Кузнецова",
        "first_name": "Мария",
        "middle_name": "Игоревна",
        "position": "Менеджер по работе с магазинами",
        "role": "manager",
        "department": "retail",
        "phone": "+7 495 120-45-21",
    },
    {
        "username": "smirnov",
        "last_name": "Смирнов",
        "first_name": "Павел",
        "middle_name": "Андреевич",
        "position": "Менеджер интернет-магазина",
        "role": "manager",
        "department": "retail",
        "phone": "+7 495 120-45-22",
    },
]

# code, name, sort, colour, semantics
LEAD_STATUSES = [
    ("new", "Не обработан", 10, "#39A8EF", "in_progress"),
    ("in_process", "В работе", 20, "#FFA900", "in_progress"),
    ("processed", "Обработан", 30, "#2FC6F6", "in_progress"),
    ("converted", "Сконвертирован", 40, "#7BD500", "converted"),
    ("junk", "Некачественный лид", 50, "#FF5752", "junk"),
]

# code, name, sort
SOURCES = [
    ("website", "Сайт", 10),
    ("call", "Звонок", 20),
    ("email", "E-mail", 30),
    ("shop", "Интернет-магазин", 40),
    ("exhibition", "Выставка", 50),
    ("recommendation", "Рекомендация", 60),
    ("advertising", "Реклама", 70),
]

# starts / ends: days relative to today
CAMPAIGNS = [
    {
        "key": "direct",
        "name": "Яндекс Директ: опт экобытовой химии",
        "utm_source": "yandex",
        "utm_medium": "cpc",
        "utm_campaign": "eco_opt_himiya",
        "cost": Decimal("185000.00"),
        "starts": -120,
        "ends": 30,
    },
    {
        "key": "newsletter",
        "name": "Рассылка магазинам: весенний прайс",
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "spring_price",
        "cost": Decimal("24000.00"),
        "starts": -45,
        "ends": -10,
    },
]

INTAKE_PIPELINE = "Новые клиенты"
ORDERS_PIPELINE = "Заказы"
# pipeline name -> (key, stage name, semantics, colour, probability)
PIPELINES = {
    INTAKE_PIPELINE: [
        ("new", "Не обработан", "in_progress", "#39A8EF", 10),
        ("requisites", "Проверка реквизитов", "in_progress", "#2FC6F6", 30),
        ("ready", "Готов к первому заказу", "in_progress", "#FFA900", 60),
        ("won", "Первый заказ оформлен", "won", "#7BD500", 100),
        ("lost", "Отказ", "lost", "#FF5752", 0),
    ],
    ORDERS_PIPELINE: [
        ("invoiced", "Счёт выставлен", "in_progress", "#39A8EF", 70),
        ("paid", "Счёт оплачен", "in_progress", "#55D0E0", 85),
        ("shipped", "Отгружен", "in_progress", "#FFA900", 95),
        ("delivered", "Доставлен", "in_progress", "#9DCF00", 98),
        ("won", "Сделка успешна", "won", "#7BD500", 100),
        ("lost", "Сделка провалена", "lost", "#FF5752", 0),
    ],
}

# key, name, parent key
SECTIONS = [
    ("household", "Бытовая химия", None),
    ("laundry", "Средства для стирки", "household"),
    ("dishes", "Для посуды", "household"),
    ("cleaning", "Уборка дома", "household"),
    ("cosmetics", "Косметика", None),
    ("face", "Уход за лицом", "cosmetics"),
    ("body", "Уход за телом", "cosmetics"),
    ("home", "Товары для дома", None),
]

# section key, article, name, price, currency, description
PRODUCTS = [
    ("laundry", "ECH-101", "Гель для стирки универсальный «ЭкоЧист», 1,5 л", "489", "RUB",
     "Концентрат на растительных ПАВ, без фосфатов и оптических отбеливателей. 30 стирок."),
    ("laundry", "ECH-102", "Гель для стирки детского белья «ЭкоЧист Бэби», 1,5 л", "549", "RUB",
     "Гипоаллергенный, без отдушки. Подходит для белья новорождённых."),
    ("laundry", "LP-201", "Порошок стиральный на мыльной основе «Лесная поляна», 1 кг", "399", "RUB",
     "Натуральное мыло и сода, биоразлагаемость 98%."),
    ("laundry", "LP-202", "Кондиционер для белья «Лаванда» «Лесная поляна», 1 л", "359", "RUB",
     "С эфирным маслом лаванды."),
    ("laundry", "ECH-103", "Пятновыводитель кислородный «ЭкоЧист», 500 г", "299", "RUB",
     "Перкарбонат натрия, работает от 40 °C."),
    ("laundry", "BN-301", "Капсулы для стирки «BioNord», 30 шт", "8.90", "EUR",
     "Импорт, Финляндия. Растворимая плёнка, без фосфатов."),
    ("dishes", "ECH-111", "Средство для мытья посуды «Лимон и мята» «ЭкоЧист», 500 мл", "219", "RUB",
     "Для посуды, фруктов и детских игрушек."),
    ("dishes", "LP-211", "Средство для мытья посуды без запаха «Лесная поляна», 1 л", "329", "RUB",
     "Без отдушек и красителей."),
    ("dishes", "ECH-112", "Таблетки для посудомоечной машины «ЭкоЧист», 30 шт", "649", "RUB",
     "Всё в одном, в водорастворимой оболочке."),
    ("dishes", "BN-311", "Гель для посудомоечной машины «BioNord», 1 л", "7.50", "EUR",
     "Импорт, Финляндия. Экомаркировка Nordic Swan."),
    ("dishes", "HM-401", "Губки целлюлозные для посуды, 3 шт", "189", "RUB",
     "Из древесной целлюлозы и кокосового волокна, компостируются."),
    ("cleaning", "ECH-121", "Чистящее средство для ванной «Эвкалипт» «ЭкоЧист», 500 мл", "279", "RUB",
     "Удаляет известковый налёт, на лимонной кислоте."),
    ("cleaning", "ECH-122", "Средство для стёкол и зеркал «ЭкоЧист», 500 мл", "239", "RUB",
     "Без аммиака и спирта."),
    ("cleaning", "LP-221", "Универсальное средство для уборки «Лесная поляна», 1 л", "349", "RUB",
     "Для всех моющихся поверхностей."),
    ("face", "TA-501", "Крем для лица увлажняющий «Травы Алтая», 50 мл", "590", "RUB",
     "С экстрактом маральего корня и маслом облепихи."),
    ("face", "TA-502", "Пенка для умывания «Травы Алтая», 150 мл", "450", "RUB",
     "Мягкие ПАВ, для чувствительной кожи."),
    ("face", "KR-511", "Гидролат дамасской розы «Крымская роза», 100 мл", "380", "RUB",
     "100% гидролат, без консервантов-парабенов."),
    ("face", "AK-521", "Сыворотка для лица с гиалуроновой кислотой «Alpenkraut», 30 мл", "14.90",
     "EUR", "Импорт, Австрия. Сертификат NATRUE."),
    ("face", "TA-503", "Маска для лица с голубой глиной «Травы Алтая», 100 мл", "340", "RUB",
     "Очищающая, для жирной и комбинированной кожи."),
    ("body", "TA-531", "Гель для душа «Облепиха» «Травы Алтая», 250 мл", "320", "RUB",
     "На отваре трав, без SLS."),
    ("body", "KR-532", "Крем для рук «Календула» «Крымская роза», 75 мл", "190", "RUB",
     "Смягчающий, с маслом ши."),
    ("body", "TA-533", "Скраб для тела кофейный «Травы Алтая», 250 г", "420", "RUB",
     "Молотый кофе, тростниковый сахар, кокосовое масло."),
    ("body", "HM-534", "Мыло натуральное ручной работы «Хвоя», 100 г", "160", "RUB",
     "Холодный способ варки, с маслом пихты."),
    ("body", "HM-535", "Дезодорант кристаллический, 60 г", "310", "RUB",
     "Алунит, без отдушек, хватает на 6 месяцев."),
    ("body", "HM-536", "Шампунь твёрдый «Крапива», 60 г", "360", "RUB",
     "Заменяет 2 флакона жидкого шампуня, без пластиковой упаковки."),
    ("home", "HM-601", "Сумка-шопер из органического хлопка", "250", "RUB",
     "Плотный хлопок 220 г/м², выдерживает до 10 кг."),
    ("home", "HM-602", "Зубные щётки бамбуковые, 4 шт", "390", "RUB",
     "Ручка из бамбука, щетина средней жёсткости."),
    ("home", "HM-603", "Многоразовые восковые салфетки для продуктов, 3 шт", "690", "RUB",
     "Хлопок, пчелиный воск, масло жожоба. Замена пищевой плёнке."),
    ("home", "HM-604", "Щётка для посуды из бука с натуральной щетиной", "340", "RUB",
     "Сменная головка продаётся отдельно."),
    ("home", "HM-605", "Сетки-мешочки для овощей и фруктов, 5 шт", "450", "RUB",
     "Многоразовые, можно стирать в машине."),
    ("home", "HM-606", "Свеча ароматическая из соевого воска «Лемонграсс», 200 мл", "650", "RUB",
     "Хлопковый фитиль, время горения 40 часов."),
]  # fmt: skip

# Large banks' public BIK and correspondent accounts, for realistic requisites.
BANKS = [
    ("ПАО Сбербанк", "044525225", "30101810400000000225"),
    ("АО «Альфа-Банк»", "044525593", "30101810200000000593"),
    ("Банк ВТБ (ПАО)", "044525187", "30101810700000000187"),
    ("АО «Райффайзенбанк»", "044525700", "30101810200000000700"),
]

# segment: which department works with the client (wholesale: bulk buyers and chains,
# retail: small shops); status: client (first order done, repeat orders), prospect (still in
# the intake pipeline), refused (intake lost), partner (no sales)
COMPANIES = [
    {"title": "Зелёная корзина", "city": "Москва", "region": "77", "street": "ул. Профсоюзная, д. 56",
     "industry": "retail", "employees": 45, "domain": "zelenaya-korzina", "segment": "wholesale",
     "status": "client", "orders": 14},
    {"title": "ЭкоМаркет Обнинск", "legal": "ЭкоМаркет", "city": "Обнинск", "region": "40",
     "street": "пр. Ленина, д. 112", "industry": "retail", "employees": 12,
     "domain": "ecomarket-obninsk", "segment": "wholesale", "status": "client", "orders": 10},
    {"title": "Натура Трейд", "city": "Санкт-Петербург", "region": "78", "street": "Лиговский пр., д. 87",
     "industry": "wholesale", "employees": 60, "domain": "natura-trade", "segment": "wholesale",
     "status": "client", "orders": 15},
    {"title": "БиоЛавка", "city": "Казань", "region": "16", "street": "ул. Баумана, д. 19",
     "industry": "retail", "employees": 8, "domain": "biolavka", "segment": "retail",
     "status": "client", "orders": 9},
    {"title": "Чистый дом", "city": "Тула", "region": "71", "street": "ул. Советская, д. 47",
     "industry": "retail", "employees": 15, "domain": "chisty-dom", "segment": "wholesale",
     "status": "client", "orders": 11},
    {"title": "Органик Лайф", "city": "Екатеринбург", "region": "66", "street": "ул. Малышева, д. 31",
     "industry": "retail", "employees": 22, "domain": "organic-life", "segment": "wholesale",
     "status": "client", "orders": 11},
    {"title": "Эко-Сибирь", "city": "Новосибирск", "region": "54", "street": "Красный пр., д. 200",
     "industry": "wholesale", "employees": 35, "domain": "eco-sibir", "segment": "wholesale",
     "status": "client", "orders": 12},
    {"title": "Травы и корни", "city": "Калуга", "region": "40", "street": "ул. Кирова, д. 9",
     "industry": "retail", "employees": 6, "domain": "travy-korni", "segment": "retail",
     "status": "client", "orders": 8},
    {"title": "Волга Эко", "city": "Самара", "region": "63", "street": "ул. Куйбышева, д. 88",
     "industry": "wholesale", "employees": 28, "domain": "volga-eco", "segment": "wholesale",
     "status": "client", "orders": 10},
    {"title": "Кубань Натурпродукт", "city": "Краснодар", "region": "23", "street": "ул. Красная, д. 154",
     "industry": "wholesale", "employees": 40, "domain": "kuban-natur", "segment": "wholesale",
     "status": "client", "orders": 11},
    {"title": "Зелёный лист", "city": "Нижний Новгород", "region": "52",
     "street": "ул. Большая Покровская, д. 20", "industry": "retail", "employees": 10,
     "domain": "zeleny-list", "segment": "retail", "status": "client", "orders": 9},
    {"title": "ЭкоДом Ярославль", "legal": "ЭкоДом", "city": "Ярославль", "region": "76",
     "street": "ул. Свободы, д. 52", "industry": "retail", "employees": 9, "domain": "ecodom-yar",
     "segment": "retail", "status": "client", "orders": 8},
    {"title": "Линия чистоты", "city": "Воронеж", "region": "36", "street": "пр. Революции, д. 33",
     "industry": "retail", "employees": 14, "domain": "liniya-chistoty", "segment": "wholesale",
     "status": "client", "orders": 10},
    {"title": "ЭкоЛавка Пермь", "legal": "ЭкоЛавка", "city": "Пермь", "region": "59",
     "street": "ул. Ленина, д. 60", "industry": "retail", "employees": 7, "domain": "ecolavka-perm",
     "segment": "retail", "status": "prospect", "orders": 0},
    {"title": "Томская органика", "city": "Томск", "region": "70", "street": "пр. Ленина, д. 80",
     "industry": "retail", "employees": 11, "domain": "tomsk-organic", "segment": "retail",
     "status": "client", "orders": 8},
    {"title": "Бережная забота", "city": "Москва", "region": "77", "street": "ул. Новослободская, д. 14",
     "industry": "retail", "employees": 18, "domain": "berezhnaya-zabota", "segment": "retail",
     "status": "client", "orders": 9},
    {"title": "Аптеки «Здоровый выбор»", "legal": "Здоровый выбор", "city": "Москва", "region": "77",
     "street": "Ленинский пр., д. 99", "industry": "retail", "employees": 120,
     "domain": "zdorovy-vybor", "segment": "wholesale", "status": "client", "orders": 13},
    {"title": "Северная косметика", "city": "Архангельск", "region": "29",
     "street": "Троицкий пр., д. 64", "industry": "retail", "employees": 16,
     "domain": "sever-cosmetic", "segment": "retail", "status": "prospect", "orders": 0},
    {"title": "Вкус природы", "city": "Ростов-на-Дону", "region": "61",
     "street": "ул. Большая Садовая, д. 71", "industry": "wholesale", "employees": 25,
     "domain": "vkus-prirody", "segment": "wholesale", "status": "client", "orders": 11},
    {"title": "Солнечный сад", "city": "Тверь", "region": "69", "street": "ул. Трёхсвятская, д. 12",
     "industry": "retail", "employees": 5, "domain": "solnechny-sad", "segment": "retail",
     "status": "prospect", "orders": 0},
    {"title": "Эковек", "city": "Уфа", "region": "02", "street": "ул. Ленина, д. 28",
     "industry": "wholesale", "employees": 30, "domain": "ecovek", "segment": "wholesale",
     "status": "prospect", "orders": 0},
    {"title": "Домашний уют", "city": "Челябинск", "region": "74", "street": "пр. Ленина, д. 55",
     "industry": "retail", "employees": 12, "domain": "domashny-uyut", "segment": "retail",
     "status": "prospect", "orders": 0},
    {"title": "Лесная аптека", "city": "Иркутск", "region": "38", "street": "ул. Карла Маркса, д. 13",
     "industry": "retail", "employees": 9, "domain": "lesnaya-apteka", "segment": "retail",
     "status": "refused", "orders": 0},
    {"title": "ЭкоПак", "city": "Подольск", "region": "50", "street": "ул. Кирова, д. 3",
     "industry": "manufacturing", "employees": 70, "domain": "ecopack", "segment": "wholesale",
     "status": "partner", "company_type": "supplier", "orders": 0},
    {"title": "Логистика Плюс", "city": "Обнинск", "region": "40", "street": "Киевское ш., д. 21",
     "industry": "services", "employees": 55, "domain": "logistika-plus", "segment": "wholesale",
     "status": "partner", "company_type": "partner", "orders": 0},
]  # fmt: skip

MALE_FIRST_NAMES = [
    "Александр", "Алексей", "Андрей", "Артём", "Владимир", "Дмитрий", "Евгений", "Игорь",
    "Максим", "Михаил", "Николай", "Олег", "Павел", "Роман", "Сергей", "Юрий", "Виктор",
    "Константин", "Георгий", "Илья",
]  # fmt: skip
FEMALE_FIRST_NAMES = [
    "Анна", "Екатерина", "Елена", "Ирина", "Мария", "Наталья", "Ольга", "Светлана", "Татьяна",
    "Юлия", "Анастасия", "Виктория", "Дарья", "Ксения", "Марина", "Полина", "Алина", "Вера",
    "Людмила", "Софья",
]  # fmt: skip
# (male, female) patronymics
MIDDLE_NAMES = [
    ("Александрович", "Александровна"), ("Алексеевич", "Алексеевна"), ("Андреевич", "Андреевна"),
    ("Викторович", "Викторовна"), ("Владимирович", "Владимировна"), ("Дмитриевич", "Дмитриевна"),
    ("Евгеньевич", "Евгеньевна"), ("Игоревич", "Игоревна"), ("Михайлович", "Михайловна"),
    ("Николаевич", "Николаевна"), ("Олегович", "Олеговна"), ("Павлович", "Павловна"),
    ("Сергеевич", "Сергеевна"), ("Юрьевич", "Юрьевна"),
]  # fmt: skip
# male forms; the female form adds "а"
LAST_NAMES = [
    "Соколов", "Попов", "Козлов", "Новиков", "Волков", "Алексеев", "Семёнов", "Егоров",
    "Павлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров",
    "Зайцев", "Соловьёв", "Борисов", "Яковлев", "Романов", "Воробьёв", "Сергеев", "Фролов",
    "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин",
    "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов",
    "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов", "Матвеев",
    "Титов", "Марков", "Миронов", "Крылов", "Куликов", "Карпов", "Власов", "Мельников",
]  # fmt: skip

DECISION_MAKER_POSITIONS = [
    "Генеральный директор", "Владелец", "Коммерческий директор", "Директор по закупкам",
]  # fmt: skip
STAFF_POSITIONS = [
    "Менеджер по закупкам", "Категорийный менеджер", "Главный бухгалтер", "Управляющий магазином",
    "Товаровед", "Администратор магазина", "Логист",
]  # fmt: skip
PARTNER_POSITIONS = ["Менеджер по работе с клиентами", "Руководитель отдела продаж"]

# Requests that came straight in as deals ("no-leads" mode): a person, no company card yet.
# key: the intake stage they are at now
INTAKE_REQUESTS = ["new"] * 8 + ["lost"] * 4
INTAKE_REQUEST_TITLES = [
    "Запрос оптового прайса",
    "Хотят открыть эко-отдел в магазине",
    "Звонок: условия для нового магазина",
    "Заявка с выставки: закупка косметики",
]  # fmt: skip
INTAKE_REQUEST_POSITIONS = ["Владелец магазина", "Индивидуальный предприниматель", "Закупщик"]
INTAKE_REQUEST_LOST_REASONS = [
    "Розничный покупатель, не опт — направили в интернет-магазин.",
    "Не вышли на связь после отправки прайса.",
]  # fmt: skip

# Private buyers and sole traders without a company card: they order in the online shop.
STANDALONE_CONTACTS = 12
STANDALONE_COMMENTS = [
    "Покупает для семьи, заказывает раз в месяц.",
    "Ведёт блог об экологичном быте, просит образцы новинок.",
    "Продаёт на маркетплейсе как самозанятая, интересуется малым оптом.",
    "Предпочитает самовывоз со склада в Обнинске.",
    "",
]  # fmt: skip

INTAKE_LOST_REASONS = [
    "Выбрали другого поставщика: цена ниже на 8%.",
    "Не устроила минимальная сумма заказа 15 000 ₽.",
    "Магазин закрывается, закупки приостановлены.",
    "Нужна отсрочка платежа 60 дней, согласовать не удалось.",
]  # fmt: skip
ORDER_LOST_REASONS = [
    "Счёт не оплачен в срок, заказ аннулирован.",
    "Клиент отказался: часть позиций не было в наличии.",
    "Заказ задублирован с сайта, оформлен повторно.",
    "Не согласовали стоимость доставки до региона.",
]  # fmt: skip

# How many leads end up in each status, and how many days ago such leads came in.
LEAD_OUTCOMES = {"new": 14, "in_process": 12, "processed": 8, "converted": 17, "junk": 9}
LEAD_AGE_DAYS = {
    "new": (0.05, 3),
    "in_process": (1, 10),
    "processed": (3, 20),
    "converted": (6, 60),
    "junk": (2, 50),
}

# The leads: (title, source code, with a company name, a campaign key or None)
LEAD_TEMPLATES = [
    ("Заявка с сайта: оптовый прайс", "website", True, None),
    ("Входящий звонок: поставки экохимии в магазин", "call", True, None),
    ("Письмо: запрос условий сотрудничества", "email", True, None),
    ("Заказ в интернет-магазине без регистрации", "shop", False, None),
    ("Выставка «ЭкоЛайф»: обмен контактами", "exhibition", True, None),
    ("Рекомендация партнёра: ищут поставщика косметики", "recommendation", True, None),
    ("Яндекс Директ: заявка на опт", "advertising", True, "direct"),
    ("Рассылка: вопрос по весеннему прайсу", "email", True, "newsletter"),
    ("Консультация в чате: натуральная косметика", "website", False, None),
    ("Звонок: хотят стать дилером в регионе", "call", True, None),
]  # fmt: skip
LEAD_COMPANY_NAMES = [
    "Эко-точка", "Натуральная полка", "Зелёный квартал", "Чистая планета", "Органика на Садовой",
    "ЭкоБаза", "Живая косметика", "Травница", "Эко Хоум", "Полезная лавка", "Мята",
    "Домик эко", "Экомир", "Зелёная аптека", "Природный магазин", "ЭкоСтиль", "Эко Лайн",
    "Семейная лавка", "ЭкоЦентр", "Берёзовая роща", "Лавка здоровья", "Чистый лист",
    "Вторая жизнь", "Экоfamily", "Зелёная волна",
]  # fmt: skip
LEAD_CITIES = [
    "Москва", "Обнинск", "Калуга", "Тула", "Владимир", "Рязань", "Смоленск", "Брянск",
    "Липецк", "Курск", "Иваново", "Кострома", "Вологда", "Псков", "Великий Новгород",
]  # fmt: skip
LEAD_COMMENTS = [
    "Открывают второй магазин, нужен ассортимент бытовой химии.",
    "Интересует косметика без парабенов для полки у кассы.",
    "Просили прислать прайс и условия доставки.",
    "Сейчас работают с другим поставщиком, не устраивают сроки.",
    "",
]  # fmt: skip
JUNK_REASONS = [
    "Дубль: клиент уже работает с нами через «Зелёную корзину».",
    "Розничный покупатель, не опт — направили в интернет-магазин.",
    "Спам с формы сайта.",
    "Неверный номер, на письма не отвечают.",
    "Ищут поставщика продуктов питания, такого ассортимента у нас нет.",
]  # fmt: skip

CALL_SUBJECTS = [
    "Позвонить: уточнить объём заказа",
    "Звонок: напомнить об оплате счёта",
    "Позвонить ЛПР: условия оптового сотрудничества",
    "Созвон: согласовать дату отгрузки",
    "Позвонить: отзыв о первой поставке",
    "Звонок: предложить новинки сезона",
]  # fmt: skip
MEETING_SUBJECTS = [
    ("Встреча: презентация ассортимента", "Офис клиента"),
    ("Показ образцов косметики в магазине", "Торговый зал клиента"),
    ("Встреча на складе: приёмка первой поставки", "Склад ЭкоОпт, Обнинск"),
]  # fmt: skip
TASK_SUBJECTS = [
    "Выслать прайс-лист и каталог",
    "Открыть демо-доступ в личный кабинет",
    "Проверить реквизиты компании",
    "Подготовить счёт на предоплату",
    "Запросить у склада дату отгрузки",
    "Отправить сертификаты соответствия",
]  # fmt: skip
CALL_RESULTS = [
    "Клиент подтвердил заказ, счёт отправлен на почту.",
    "Не дозвонился, перезвонить завтра.",
    "Обсудили условия: отсрочка платежа 14 дней.",
    "Клиент просит скидку 5% при заказе от 50 000 ₽.",
    "Оплату подтвердили, заказ передан на склад.",
    "Клиент доволен поставкой, повторный заказ через две недели.",
]  # fmt: skip
MEETING_RESULTS = [
    "Показали образцы, клиент выбрал 12 позиций для первого заказа.",
    "Договорились о выкладке на отдельной полке «Эко».",
    "Приёмка без замечаний, подписали накладные.",
]  # fmt: skip
TASK_RESULTS = [
    "Сделано.",
    "Отправлено, клиент подтвердил получение.",
    "Реквизиты проверены по ЕГРЮЛ, всё верно.",
]  # fmt: skip
COMMENTS = [
    "Клиент предпочитает доставку по вторникам.",
    "Работают только по предоплате.",
    "ЛПР в отпуске до конца месяца, на связи заместитель.",
    "Просили сертификаты соответствия на косметику.",
    "Интересуются эксклюзивом на город.",
    "Пришла претензия по бою стекла — заменили 2 флакона.",
    "Хотят отдельную выкладку бренда «Травы Алтая».",
]  # fmt: skip
EMAIL_SUBJECTS = [
    "Прайс-лист ЭкоОпт и условия работы",
    "Счёт на оплату и договор поставки",
    "Трек-номер отправления",
]  # fmt: skip
REPEATED_CALL_SUBJECT = "Дозвониться до ЛПР"

# Roles: for each CRM entity the scope of each action. Managers work their own clients, heads
# their department and the teams below it, the director and the administrator everything.
CRM_ENTITIES = ["lead", "contact", "company", "deal", "activity"]
ACTIONS = ["view", "add", "edit", "delete", "export", "import"]


def _scopes(crm: dict[str, str], *, product: str, report: str, settings: str = "none") -> dict:
    scopes = {entity: dict(crm) for entity in CRM_ENTITIES}
    scopes["product"] = {"view": product}
    scopes["report"] = {"view": report}
    scopes["settings"] = dict.fromkeys(("view", "edit"), settings)
    return scopes


ROLES = {
    "manager": (
        "Менеджер",
        "Видит и ведёт своих клиентов и свои сделки; сделки «для всех» видны всем.",
        _scopes({"view": "own", "add": "own", "edit": "own", "delete": "none", "export": "own",
                 "import": "none"}, product="all", report="own"),
    ),
    "head": (
        "Руководитель отдела",
        "Всё по своему отделу и его группам.",
        _scopes(dict.fromkeys(ACTIONS, "subdepartments"), product="all", report="subdepartments"),
    ),
    "director": (
        "Директор",
        "Вся клиентская база и все отчёты.",
        _scopes(dict.fromkeys(ACTIONS, "all"), product="all", report="all"),
    ),
    "admin": (
        "Администратор",
        "Все данные и настройки.",
        _scopes(dict.fromkeys(ACTIONS, "all"), product="all", report="all", settings="all"),
    ),
}  # fmt: skip

# The robots of both pipelines and of the lead statuses, in the order they run in a stage.
# place: (pipeline, stage key) or ("leads", status key). In settings, "users" are usernames
# and "target" a stage key of the same pipeline; the builder turns them into ids. Amounts in
# conditions are roubles.
LEADS = "leads"
BIG_FIRST_ORDER, LARGE_FIRST_ORDER = "50000", "100000"
BIG_INVOICE, LARGE_INVOICE = "50000", "150000"
ROBOTS = [
    {
        "place": (INTAKE_PIPELINE, "new"),
        "name": "Приветственный звонок",
        "action": "automation.plan_call",
        "settings": {
            "subject": "Приветственный звонок: {contact_name}",
            "description": "Познакомиться, узнать ассортимент и объёмы, договориться о реквизитах.",
            "due_in": 1,
            "due_unit": "hours",
        },
    },
    {
        "place": (INTAKE_PIPELINE, "new"),
        "name": "Комментарий о новой заявке",
        "action": "automation.add_comment",
        "settings": {
            "text": "Новая заявка «{title}». Ответственный: {responsible}. "
            "Перезвонить клиенту в течение часа."
        },
    },
    {
        "place": (INTAKE_PIPELINE, "requisites"),
        "name": "Запросить реквизиты",
        "action": "automation.create_task",
        "settings": {
            "subject": "Запросить реквизиты компании у клиента: {contact_name}",
            "description": "ИНН, КПП, ОГРН и банковские реквизиты для договора поставки.",
            "due_in": 1,
            "due_unit": "days",
            "priority": "normal",
        },
        "condition": {"any": [{"all": [{"field": "company", "op": "empty"}]}]},
    },
    {
        "place": (INTAKE_PIPELINE, "requisites"),
        "name": "Дождаться карточки компании",
        "action": "automation.wait_for_condition",
        "settings": {
            "condition": {"any": [{"all": [{"field": "company", "op": "not_empty"}]}]},
            "check_every_minutes": 30,
            "give_up_after_days": 14,
        },
    },
    {
        "place": (INTAKE_PIPELINE, "requisites"),
        "name": "Перевести в «Готов к первому заказу»",
        "action": "automation.change_stage",
        "settings": {"target": "ready"},
        "after_previous": True,
        # the wait gives up after 14 days and lets this one go: then it must not move the deal
        "condition": {"any": [{"all": [{"field": "company", "op": "not_empty"}]}]},
    },
    {
        "place": (INTAKE_PIPELINE, "ready"),
        "name": "Напомнить о первом заказе",
        "action": "automation.create_task",
        "settings": {
            "subject": "Напомнить клиенту о первом заказе на {amount}",
            "description": "Уточнить, всё ли устраивает в предложении, и назначить дату заказа.",
            "due_in": 4,
            "due_unit": "hours",
            "priority": "high",
        },
        "timing": "after_delay",
        "delay": 2,
        "delay_unit": "days",
        "working_hours_only": True,
        "condition": {
            "any": [{"all": [{"field": "amount", "op": "gte", "value": BIG_FIRST_ORDER}]}]
        },  # fmt: skip
    },
    {
        "place": (INTAKE_PIPELINE, "ready"),
        "name": "Сообщить руководителю о крупном первом заказе",
        "action": "automation.notify_users",
        "settings": {
            "message": "Крупный первый заказ: «{title}» на {amount}, ответственный {responsible}.",
            "users": ["head.wholesale"],
            "to_responsible": False,
        },
        "condition": {
            "any": [{"all": [{"field": "amount", "op": "gte", "value": LARGE_FIRST_ORDER}]}]
        },  # fmt: skip
    },
    {
        "place": (INTAKE_PIPELINE, "won"),
        "name": "Письмо с благодарностью за первый заказ",
        "action": "automation.send_email",
        "settings": {
            "subject": "Спасибо за первый заказ!",
            "body": "Здравствуйте, {contact_name}!\n\nСпасибо, что выбрали «ЭкоОпт». Ваш "
            "заказ «{title}» принят, счёт придёт отдельным письмом.\n\nВаш менеджер: "
            "{responsible}. Пишите и звоните по любым вопросам.\n\nС уважением,\nкоманда ЭкоОпт",
        },
    },
    {
        "place": (ORDERS_PIPELINE, "invoiced"),
        "name": "Комментарий о счёте",
        "action": "automation.add_comment",
        "settings": {"text": "Счёт по заказу «{title}» на {amount} выставлен клиенту."},
    },
    {
        "place": (ORDERS_PIPELINE, "invoiced"),
        "name": "Напомнить об оплате крупного счёта",
        "action": "automation.create_task",
        "settings": {
            "subject": "Напомнить об оплате счёта: {title} ({amount})",
            "description": "Счёт не оплачен два дня. Позвонить бухгалтерии клиента.",
            "due_in": 1,
            "due_unit": "days",
            "priority": "high",
        },
        "timing": "after_delay",
        "delay": 2,
        "delay_unit": "days",
        "working_hours_only": True,
        "condition": {
            "any": [{"all": [{"field": "amount", "op": "gte", "value": BIG_INVOICE}]}]
        },  # fmt: skip
    },
    {
        "place": (ORDERS_PIPELINE, "invoiced"),
        "name": "Сообщить директору о крупном счёте",
        "action": "automation.notify_users",
        "settings": {
            "message": "Выставлен крупный счёт: «{title}» на {amount}, ответственный "
            "{responsible}.",
            "users": ["director"],
            "to_responsible": False,
        },
        "condition": {
            "any": [{"all": [{"field": "amount", "op": "gte", "value": LARGE_INVOICE}]}]
        },  # fmt: skip
    },
    {
        "place": (ORDERS_PIPELINE, "paid"),
        "name": "Собрать и отгрузить заказ",
        "action": "automation.create_task",
        "settings": {
            "subject": "Собрать и отгрузить заказ «{title}»",
            "due_in": 1,
            "due_unit": "days",
            "priority": "high",
        },
    },
    {
        "place": (ORDERS_PIPELINE, "paid"),
        "name": "SMS об оплате",
        "action": "automation.send_sms",
        "settings": {"text": "ЭкоОпт: оплата по заказу получена, готовим отгрузку. Спасибо!"},
    },
    {
        "place": (ORDERS_PIPELINE, "shipped"),
        "name": "Письмо об отгрузке",
        "action": "automation.send_email",
        "settings": {
            "subject": "Заказ «{title}» отгружен",
            "body": "Здравствуйте, {contact_name}!\n\nВаш заказ «{title}» отгружен. Менеджер "
            "{responsible} сообщит срок доставки.\n\nС уважением,\nкоманда ЭкоОпт",
        },
    },
    {
        "place": (ORDERS_PIPELINE, "shipped"),
        "name": "Уточнить получение заказа",
        "action": "automation.plan_call",
        "settings": {
            "subject": "Уточнить, получен ли заказ «{title}»",
            "due_in": 4,
            "due_unit": "hours",
        },
        "timing": "after_delay",
        "delay": 3,
        "delay_unit": "days",
        "working_hours_only": True,
    },
    {
        "place": (ORDERS_PIPELINE, "delivered"),
        "name": "Закрыть заказ через три дня после доставки",
        "action": "automation.change_stage",
        "settings": {"target": "won"},
        "timing": "after_delay",
        "delay": 3,
        "delay_unit": "days",
    },
    {
        "place": (ORDERS_PIPELINE, "won"),
        "name": "Комментарий о выполненном заказе",
        "action": "automation.add_comment",
        "settings": {"text": "Заказ «{title}» на {amount} выполнен. Спасибо клиенту!"},
    },
    {
        "place": (ORDERS_PIPELINE, "won"),
        "name": "Предложить повторный заказ",
        "action": "automation.create_task",
        "settings": {
            "subject": "Предложить повторный заказ: {contact_name}",
            "description": "Прошёл месяц после заказа «{title}»: пора пополнить запасы.",
            "due_in": 1,
            "due_unit": "days",
            "priority": "normal",
        },
        "timing": "after_delay",
        "delay": 30,
        "delay_unit": "days",
        "working_hours_only": True,
    },
    {
        "place": (LEADS, "new"),
        "name": "Позвонить по новому лиду",
        "action": "automation.plan_call",
        "settings": {
            "subject": "Позвонить: {contact_name} ({title})",
            "due_in": 1,
            "due_unit": "hours",
        },  # fmt: skip
    },
    {
        "place": (LEADS, "in_process"),
        "name": "Не держать лид в работе дольше трёх дней",
        "action": "automation.create_task",
        "settings": {
            "subject": "Лид «{title}» в работе третий день: сконвертировать или закрыть",
            "due_in": 1,
            "due_unit": "days",
            "priority": "normal",
        },
        "timing": "after_delay",
        "delay": 3,
        "delay_unit": "days",
        "working_hours_only": True,
    },
]
