"""The CRM's side of the 1C exchange protocol: the CRM plays 1C, the shop is the HTTP server.

One `ExchangeClient` per exchange run: `open()` (checkauth + init), then either the pull
loop (`query`, store the batch, `success`, repeat until a query holds no <Документ>) or a
push (`upload`). Answers are parsed as §2.3 of the team's CommerceML reference notes
(commerceml.md) describes: HTTP 200 even on failure, windows-1251 text, the first line
decides. Only the standard library is used, so the client runs wherever the CRM does.
"""

import base64
import codecs
import http.client
import io
import ssl
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from dataclasses import dataclass
from email.message import Message
from pathlib import PurePosixPath

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
DEFAULT_IMPORT_ROUNDS = 100

_ANSWER_ENCODING = "windows-1251"  # Bitrix converts every answer to it (§2.3)
_ANSWER_LIMIT = 64 * 1024  # status answers are a few lines; a bigger one is an error page
_EXCERPT_CHARACTERS = 300
_STATUSES = frozenset({"success", "progress", "failure", "error"})
_USER_AGENT = "crm-shopsync/1.0"
_UNSAFE_COOKIE_CHARACTERS = frozenset(";,\r\n\t ")


class ExchangeError(Exception):
    """The exchange failed.

    `retryable` is True for network errors, timeouts, HTTP 5xx and a shop answering
    'progress' forever; False for a wrong login (failure on checkauth), a malformed answer
    or a refused document (the message says what the shop answered). The password is never
    part of the message.
    """

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Session:
    """What checkauth and init gave: sent back on every later call (§2.2)."""

    cookie_name: str
    cookie_value: str
    sessid: str  # "" when the shop sends none (old servers, other CMSs)
    zip: bool  # uploads must be ZIP archives
    file_limit: int  # the largest upload chunk in bytes; 0 = no limit


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect would carry the Authorization and Cookie headers to wherever it points;
    # the shop's URL is configured, so a redirect is reported instead of followed.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


class ExchangeClient:
    """One exchange run with a shop over the 1C exchange protocol (the 1C role).

    Not thread-safe; open a new client (a fresh checkauth) for every run.
    """

    def __init__(
        self,
        *,
        url: str,
        login: str,
        password: str,
        version: str = "2.08",
        timeout: float = 30.0,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_import_rounds: int = DEFAULT_IMPORT_ROUNDS,
    ):
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise ValueError("The exchange URL must start with http:// or https://.")
        self.url = url
        self.version = version
        self.timeout = timeout
        self.max_bytes = max_bytes
        self.max_import_rounds = max_import_rounds
        self._login = login
        self._password = password
        self._host = urllib.parse.urlsplit(url).hostname or url
        self._opener = urllib.request.build_opener(_NoRedirects)
        self._session: Session | None = None

    def open(self) -> Session:
        """checkauth (HTTP Basic), then init (type=sale) with the version and sessid."""
        credentials = base64.b64encode(f"{self._login}:{self._password}".encode()).decode()
        status, lines = self._answer(
            self._call("checkauth", headers={"Authorization": f"Basic {credentials}"}),
            "checkauth",
        )
        if status != "success":
            raise self._refused("The shop refused the login", lines)
        if len(lines) < 3 or not lines[1] or not lines[2]:
            raise self._malformed("checkauth", "no session cookie in the answer", lines)
        cookie_name, cookie_value = lines[1], lines[2]
        if _UNSAFE_COOKIE_CHARACTERS & set(cookie_name + cookie_value) or "=" in cookie_name:
            raise self._malformed("checkauth", "the session cookie is not a valid cookie", lines)
        sessid = _prefixed(lines, "sessid=")
        # init has no status line: it is answered with `zip=…`, `file_limit=…` lines
        self._session = Session(cookie_name, cookie_value, sessid, zip=False, file_limit=0)
        lines = _lines(self._text(self._call("init", version=True), "init"))
        if lines and lines[0].lower() in ("failure", "error"):
            raise self._refused("The shop refused init", lines)
        zip_line, limit_line = _prefixed(lines, "zip="), _prefixed(lines, "file_limit=")
        if not zip_line and not limit_line:
            raise self._malformed("init", "no zip= or file_limit= line", lines)
        if limit_line and not limit_line.isdigit():
            raise self._malformed("init", f"file_limit is {limit_line!r}", lines)
        self._session = Session(
            cookie_name,
            cookie_value,
            # init repeats the token when it was sent a version; a new one replaces the old
            _prefixed(lines, "sessid=") or sessid,
            zip=zip_line.lower() == "yes",
            file_limit=int(limit_line or 0),
        )
        return self._session

    def query(self) -> bytes:
        """mode=query: the shop's document, as the raw bytes to store before parsing.

        Raises ExchangeError (not retryable) for an answer over `max_bytes`, a refusal or
        an answer that is not XML.
        """
        response = self._call("query", version=True)
        body = self._read(response, "query", self.max_bytes)
        head = (body[3:] if body.startswith(codecs.BOM_UTF8) else body).lstrip()[:32].lower()
        # a proxy's or PHP's error page is not the document, however XML-like it looks
        if head[:1] == b"<" and not head.startswith((b"<html", b"<!doctype html")):
            return body
        status, lines = self._status("query", _lines(_decode(body, response.headers)))
        if status == "failure":
            raise self._refused("The shop refused the query", lines)
        raise self._malformed("query", "neither a document nor a failure", lines)

    def success(self) -> None:
        """mode=success: the shop may forget the orders of the last query.

        Call it only after the batch is durably stored: the shop sends them again otherwise
        (§4.1), which idempotent storage absorbs.
        """
        status, lines = self._answer(self._call("success", version=True), "success")
        if status != "success":
            # `error`: the shop did not recognise this session and committed nothing
            raise self._refused("The shop did not confirm the exchange", lines)

    def upload(self, filename: str, document: bytes) -> str:
        """Send `document` to the shop and have it imported; return the shop's answer.

        mode=file in chunks of at most `file_limit` bytes (a ZIP holding `filename` when
        init said zip=yes), then mode=import&filename=… again while the shop answers
        'progress', up to `max_import_rounds` times. Returns the success answer: the line
        `success`, then the shop's per-document warnings, one per line.

        The shop appends the chunks to one file (§2.4), so after a failed chunk start over
        with `open()`, whose init clears the shop's exchange folder. Raises ValueError for a
        file name that is not a plain ASCII name.
        """
        session = self._opened()
        name = PurePosixPath(filename)
        if not filename.isascii() or name.name != filename or not name.suffix:
            raise ValueError(f"{filename!r} is not a plain ASCII file name with an extension.")
        if not document:
            raise ValueError("The document is empty.")
        upload_name, data = filename, document
        if session.zip:
            # the shop unzips whatever was uploaded; entry names are read as cp866: ASCII only
            upload_name = name.stem + ".zip"
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                archive.writestr(filename, document)
            data = buffer.getvalue()
        chunk_size = session.file_limit or len(data)
        for start in range(0, len(data), chunk_size):
            status, lines = self._answer(
                self._call("file", filename=upload_name, body=data[start : start + chunk_size]),
                "file",
            )
            if status != "success":
                raise self._refused(f"The shop refused the upload of {upload_name}", lines)
        for _ in range(self.max_import_rounds):
            status, lines = self._answer(self._call("import", filename=filename), "import")
            if status == "success":
                return "\n".join(lines)
            if status != "progress":
                raise self._refused(f"The shop refused to import {filename}", lines)
        raise ExchangeError(
            f"The shop still answered 'progress' after {self.max_import_rounds} import rounds "
            f"of {filename}.",
            retryable=True,
        )

    # --- HTTP -----------------------------------------------------------------------------

    def _opened(self) -> Session:
        if self._session is None:
            raise RuntimeError("Call open() before exchanging documents.")
        return self._session

    def _call(
        self,
        mode: str,
        *,
        version: bool = False,
        filename: str = "",
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> http.client.HTTPResponse:
        parameters = {"type": "sale", "mode": mode}
        if filename:
            parameters["filename"] = filename
        request_headers = {"User-Agent": _USER_AGENT, **(headers or {})}
        if self._session is not None:
            if self._session.sessid:
                parameters["sessid"] = self._session.sessid
            request_headers["Cookie"] = f"{self._session.cookie_name}={self._session.cookie_value}"
        if version and self.version:
            parameters["version"] = self.version
        if body is not None:
            request_headers["Content-Type"] = "application/octet-stream"
        separator = "&" if urllib.parse.urlsplit(self.url).query else "?"
        # the scheme was checked in __init__: http or https only
        request = urllib.request.Request(  # noqa: S310
            self.url + separator + urllib.parse.urlencode(parameters),
            data=body,
            headers=request_headers,
            method="POST" if body is not None else "GET",
        )
        try:
            return self._opener.open(request, timeout=self.timeout)
        except urllib.error.HTTPError as error:
            error.close()
            raise self._http_error(mode, error) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
            raise self._network_error(mode, error) from None

    def _read(self, response: http.client.HTTPResponse, mode: str, limit: int) -> bytes:
        with response:
            length = response.headers.get("Content-Length", "")
            if length.isdigit() and int(length) > limit:
                raise self._too_large(mode, limit)
            try:
                body = response.read(limit + 1)
            except (OSError, http.client.HTTPException) as error:
                raise self._network_error(mode, error) from None
        if len(body) > limit:
            raise self._too_large(mode, limit)
        return body

    def _text(self, response: http.client.HTTPResponse, mode: str) -> str:
        return _decode(self._read(response, mode, _ANSWER_LIMIT), response.headers)

    def _answer(self, response: http.client.HTTPResponse, mode: str) -> tuple[str, list[str]]:
        return self._status(mode, _lines(self._text(response, mode)))

    def _status(self, mode: str, lines: list[str]) -> tuple[str, list[str]]:
        """(status, lines) of a status answer; anything but a known status line is an error."""
        status = lines[0].lower() if lines else ""
        if status not in _STATUSES:
            raise self._malformed(mode, "the first line is not success/progress/failure", lines)
        return status, lines

    # --- errors: the password never appears, whatever the shop echoed ---------------------

    def _scrub(self, text: str) -> str:
        return text.replace(self._password, "***") if self._password else text

    def _refused(self, what: str, lines: list[str]) -> ExchangeError:
        answer = " / ".join(lines)[:_EXCERPT_CHARACTERS]
        return ExchangeError(self._scrub(f"{what}: {answer}"), retryable=False)

    def _malformed(self, mode: str, problem: str, lines: list[str]) -> ExchangeError:
        excerpt = " / ".join(lines)[:_EXCERPT_CHARACTERS] or "(empty)"
        return ExchangeError(
            self._scrub(f"The shop's answer to {mode} is not understood ({problem}): {excerpt}"),
            retryable=False,
        )

    def _too_large(self, mode: str, limit: int) -> ExchangeError:
        return ExchangeError(
            f"The shop's answer to {mode} is larger than the limit of {limit} bytes.",
            retryable=False,
        )

    def _http_error(self, mode: str, error: urllib.error.HTTPError) -> ExchangeError:
        code = error.code
        if 300 <= code < 400:
            location = error.headers.get("Location", "?")
            return ExchangeError(
                self._scrub(
                    f"The shop redirected {mode} (HTTP {code}) to {location}; "
                    "set the exchange URL to the final address."
                ),
                retryable=False,
            )
        return ExchangeError(
            f"The shop answered {mode} with HTTP {code} {error.reason}.",
            # the server's trouble or "slow down"; a 4xx means a wrong URL or a refusal
            retryable=code >= 500 or code in (408, 429),
        )

    def _network_error(self, mode: str, error: BaseException) -> ExchangeError:
        reason = getattr(error, "reason", None) or error
        if isinstance(reason, ssl.SSLCertVerificationError):
            # waiting does not fix a certificate: the shop or the CRM's trust store must change
            return ExchangeError(
                f"The shop's certificate at {self._host} is not trusted ({mode}): "
                f"{reason.verify_message}",
                retryable=False,
            )
        if isinstance(reason, TimeoutError):
            reason = f"no answer within {self.timeout:g} s"
        return ExchangeError(
            self._scrub(f"Cannot reach the shop at {self._host} ({mode}): {reason}"),
            retryable=True,
        )


def _decode(body: bytes, headers: Message) -> str:
    if body.startswith(codecs.BOM_UTF8):  # PHP files saved with a BOM print it first
        return body[3:].decode("utf-8", errors="replace")
    charset = headers.get_content_charset()
    try:
        codec = codecs.lookup(charset or _ANSWER_ENCODING).name
    except LookupError:
        codec = _ANSWER_ENCODING
    return body.decode(codec, errors="replace")


def _lines(text: str) -> list[str]:
    # Leading blank lines come from PHP includes that print a newline before the answer.
    return [line.strip() for line in text.strip().splitlines()]


def _prefixed(lines: list[str], prefix: str) -> str:
    """The rest of the first line that starts with `prefix` (any case), or ""."""
    return next(
        (line[len(prefix) :].strip() for line in lines if line.lower().startswith(prefix)), ""
    )
