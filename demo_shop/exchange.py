"""The shop's end of the 1C exchange protocol, answering as Bitrix's `sale.export.1c`
component does (§2 of the team's CommerceML notes, commerceml.md): text answers in
windows-1251 with HTTP 200 whatever happens, the first line saying success, progress or
failure.
"""

import base64
import binascii
import hmac
import io
import secrets
import threading
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from http.cookies import CookieError, SimpleCookie
from pathlib import PurePosixPath

from demo_shop.shop import Shop

ENDPOINT = "/bitrix/admin/1c_exchange.php"
COOKIE_NAME = "PHPSESSID"
DEFAULT_FILE_LIMIT = 200 * 1024  # Bitrix's default 1C_FILE_SIZE_LIMIT
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_SESSIONS = 50

_ANSWER_ENCODING = "windows-1251"
_AUTHORISATION_FAILED = "Ошибка авторизации. Неверное имя пользователя или пароль."
_WRONG_SESSID = "Ошибка проверки источника запроса. Обновите модуль обмена."
_READ_FAILED = "Ошибка чтения HTTP данных."
_UNZIP_FAILED = "Ошибка распаковки архива."
_EMPTY_FILE = "Файл для импорта пуст."
_SCRIPT_SUFFIXES = frozenset({".php", ".phtml", ".php3", ".php4", ".php5", ".phar", ".htaccess"})


@dataclass(frozen=True)
class ExchangeSettings:
    login: str
    password: str
    zip: bool = False  # init answers zip=yes: uploads are unzipped before the import
    file_limit: int = DEFAULT_FILE_LIMIT  # init's file_limit; a bigger chunk is refused
    import_progress_rounds: int = 0  # `import` answers progress this often before working
    encoding: str = "windows-1251"  # of the query document
    page_size: int = 0  # orders per query (0 = all), as Bitrix's time slices cut an export


@dataclass(frozen=True)
class Answer:
    body: bytes
    content_type: str
    headers: tuple[tuple[str, str], ...] = ()


@dataclass
class _Session:
    sessid: str
    requires_sessid: bool = False  # once a request carried sessid, every later one must
    queried: dict[int, int] = field(default_factory=dict)  # order ID -> revision sent
    archive: str = ""  # an uploaded archive the next import unpacks first
    import_rounds: dict[str, int] = field(default_factory=dict)


class Exchange:
    """The exchange endpoint's state: login sessions and the exchange folder's files."""

    def __init__(self, shop: Shop, settings: ExchangeSettings):
        self._shop = shop
        self._settings = settings
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._files: dict[str, bytearray] = {}  # the exchange folder: init empties it

    def handle(
        self, parameters: dict[str, str], *, authorization: str, cookie: str, body: bytes | None
    ) -> Answer:
        """Answer one request; `body` is the POST body (None for a GET)."""
        if parameters.get("type") != "sale":
            return _failure("Unknown command type.")
        mode = parameters.get("mode", "")
        with self._lock:
            if mode == "checkauth":
                return self._checkauth(authorization)
            session = self._session(cookie)
            if session is None:
                return _failure(_AUTHORISATION_FAILED)
            sessid = parameters.get("sessid")
            if sessid is not None:
                if not hmac.compare_digest(sessid.encode(), session.sessid.encode()):
                    return _failure(_WRONG_SESSID)
                session.requires_sessid = True
            elif session.requires_sessid:
                return _failure(_WRONG_SESSID)
            if mode == "init":
                return self._init(session, parameters.get("version", ""))
            if mode == "query":
                return self._query(session)
            if mode == "success":
                self._shop.confirm_export(session.queried)
                session.queried = {}
                return _text("success\n")
            if mode == "file":
                return self._file(session, parameters.get("filename", ""), body)
            if mode == "import":
                return self._import(session, parameters.get("filename", ""))
            return _failure("Неизвестная команда.")

    def _checkauth(self, authorization: str) -> Answer:
        if not self._authorised(authorization):
            return _failure(_AUTHORISATION_FAILED)
        cookie = secrets.token_hex(16)
        session = _Session(sessid=secrets.token_hex(16))
        self._sessions[cookie] = session
        while len(self._sessions) > MAX_SESSIONS:
            self._sessions.popitem(last=False)
        return _text(
            f"success\n{COOKIE_NAME}\n{cookie}\nsessid={session.sessid}\n",
            headers=(("Set-Cookie", f"{COOKIE_NAME}={cookie}; path=/; HttpOnly"),),
        )

    def _authorised(self, authorization: str) -> bool:
        scheme, _, encoded = authorization.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            credentials = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            return False
        login, _, password = credentials.partition(b":")
        # both compared, always: the answer time does not tell which one was wrong
        login_matches = hmac.compare_digest(login, self._settings.login.encode())
        password_matches = hmac.compare_digest(password, self._settings.password.encode())
        return login_matches and password_matches

    def _session(self, cookie_header: str) -> _Session | None:
        cookies = SimpleCookie()
        try:
            cookies.load(cookie_header)
        except CookieError:
            return None
        morsel = cookies.get(COOKIE_NAME)
        session = self._sessions.get(morsel.value) if morsel else None
        if session is not None:
            self._sessions.move_to_end(morsel.value)
        return session

    def _init(self, session: _Session, version: str) -> Answer:
        session.archive = ""
        session.import_rounds.clear()
        self._files.clear()  # Bitrix deletes the exchange folder on init
        lines = (
            f"zip={'yes' if self._settings.zip else 'no'}\nfile_limit={self._settings.file_limit}\n"
        )
        if version:
            # the version Bitrix names here is fixed, not the result of a negotiation
            lines += f"sessid={session.sessid}\nversion=2.09"
        return _text(lines)

    def _query(self, session: _Session) -> Answer:
        # always the 2.08 shape, whatever version init was given (no 2.10 payment documents)
        document, session.queried = self._shop.export(
            limit=self._settings.page_size, encoding=self._settings.encoding
        )
        return Answer(document, f"application/xml; charset={self._settings.encoding}")

    def _file(self, session: _Session, filename: str, body: bytes | None) -> Answer:
        name = _safe_name(filename)
        if name is None:
            return _failure(f"Ошибка записи в файл {filename}.")
        if not body:
            return _failure(_READ_FAILED)
        limit = self._settings.file_limit
        if limit and len(body) > limit:
            # stricter than Bitrix, which only meets PHP's post_max_size: it checks chunking
            return _failure(f"{_READ_FAILED} Часть файла больше file_limit={limit} байт.")
        stored = self._files.setdefault(name, bytearray())
        if len(stored) + len(body) > MAX_FILE_BYTES:
            return _failure(f"Ошибка записи в файл {name}.")
        stored += body  # appended, as Bitrix's fopen(…, "ab") does (§2.4)
        if self._settings.zip:
            session.archive = name
        return _text("success\n")

    def _import(self, session: _Session, filename: str) -> Answer:
        name = _safe_name(filename)
        if name is None:
            return _failure(_EMPTY_FILE)
        if session.archive:
            if not self._unpack(session.archive):
                session.archive = ""
                return _failure(_UNZIP_FAILED)
            session.archive = ""
            return _text("progress\nРаспаковка архива завершена.\n")
        data = self._files.get(name)
        if not data:
            return _failure(_EMPTY_FILE)
        rounds = session.import_rounds.get(name, 0)
        if rounds < self._settings.import_progress_rounds:
            session.import_rounds[name] = rounds + 1
            return _text(f"progress\nИмпорт заказов: шаг {rounds + 1}.\n")
        try:
            warnings = self._shop.import_document(name, bytes(data))
        except ValueError as error:
            return _failure(str(error))
        del self._files[name]
        session.import_rounds.pop(name, None)
        return _text("\n".join(["success", *warnings]) + "\n")

    def _unpack(self, archive_name: str) -> bool:
        """Unzip an uploaded archive into the exchange folder (Bitrix treats whatever was
        uploaded in zip mode as a ZIP, pitfall P5)."""
        data = bytes(self._files.pop(archive_name, b""))
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for entry in archive.infolist():
                    name = _safe_name(entry.filename)
                    if entry.is_dir():
                        continue
                    if name is None or entry.file_size > MAX_FILE_BYTES:
                        return False
                    with archive.open(entry) as stream:
                        content = stream.read(MAX_FILE_BYTES + 1)
                    if len(content) > MAX_FILE_BYTES:
                        return False
                    self._files[name] = bytearray(content)
        except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError):
            return False
        return True


def _safe_name(filename: str) -> str | None:
    """The file's name in the exchange folder, or None for a name Bitrix refuses."""
    path = PurePosixPath(filename.replace("\\", "/"))
    if (
        not path.parts
        or path.is_absolute()
        or ".." in path.parts
        or path.suffix.lower() in _SCRIPT_SUFFIXES
        or path.name.lower() in _SCRIPT_SUFFIXES
    ):
        return None
    return str(path)


def _text(text: str, *, headers: tuple[tuple[str, str], ...] = ()) -> Answer:
    return Answer(
        text.encode(_ANSWER_ENCODING, errors="replace"),
        f"text/html; charset={_ANSWER_ENCODING}",
        headers,
    )


def _failure(message: str) -> Answer:
    return _text(f"failure\n{message}\n")
