"""Request parameters the way Bitrix24 (that is, PHP) reads them.

Bitrix24 REST clients encode nested data as PHP does (``fields[PHONE][0][VALUE]=...``) and the
server side is PHP's ``parse_str``. To be a drop-in endpoint we reproduce its rules, quirks
included, instead of Django's flat QueryDict.
"""

import json
import re
from collections.abc import Iterable
from urllib.parse import unquote_plus, unquote_to_bytes

from django.http import HttpRequest

# PHP drops a whole variable nested deeper than this (its max_input_nesting_level default).
MAX_NESTING = 64

# The strings PHP turns into integer array keys: canonical decimal integers that fit 64 bits.
_INT_KEY = re.compile(r"-?[1-9][0-9]*|0")
_INT_MIN, _INT_MAX = -(2**63), 2**63 - 1


class ParamsError(ValueError):
    """The request's parameters cannot be read (bad JSON body, bad flag value, ...)."""


class _PhpArray(dict):
    """A dict that remembers PHP's next free integer key, so ``a[]`` appends as PHP does.

    PHP's next key is one more than the largest integer key ever stored, or 0; tracking it
    here keeps many appends linear instead of rescanning the keys each time.
    """

    next_index: int | None = None

    def put(self, key: str | None, value: object) -> str:
        """Store value under key, or under the next free integer key when key is None."""
        if key is None:
            key = str(0 if self.next_index is None else self.next_index)
        number = _int_key(key)
        if number is not None and (self.next_index is None or number >= self.next_index):
            self.next_index = number + 1
        self[key] = value
        return key


def _int_key(key: str) -> int | None:
    """The integer PHP would use for this array key, or None if it stays a string key."""
    if _INT_KEY.fullmatch(key):
        number = int(key)
        if _INT_MIN <= number <= _INT_MAX:
            return number
    return None


def _split_name(name: str) -> tuple[str, list[str | None]]:
    """Split ``a[b][]`` into ``("a", ["b", None])`` by PHP's rules; None means "append".

    An empty top-level name comes back as "" for the caller to skip.
    """
    name = name.split("\0", 1)[0].lstrip(" ")  # PHP reads the name as a C string
    bracket = name.find("[")
    top = name if bracket < 0 else name[:bracket]
    top = top.replace(" ", "_").replace(".", "_")
    keys: list[str | None] = []
    pos = bracket
    while 0 <= pos < len(name) and name[pos] == "[":
        close = name.find("]", pos + 1)
        if close < 0:
            if not keys:
                # Unclosed first bracket: PHP keeps the rest literally, "[" becoming "_".
                top = f"{top}_{name[bracket + 1 :]}"
            # Unclosed later bracket: PHP ignores it and the rest.
            break
        keys.append(name[pos + 1 : close] or None)
        pos = close + 1  # anything but "[" right after "]" ends the name
    return top, keys


def _plain(value: object) -> object:
    """The parse result with our helper arrays turned back into ordinary dicts."""
    if isinstance(value, _PhpArray):
        return {key: _plain(item) for key, item in value.items()}
    return value


def php_parse_pairs(pairs: Iterable[tuple[str, object]]) -> dict:
    """Build nested parameters from decoded (name, value) pairs exactly as PHP's parse_str.

    ``a[b][c]=v`` nests, ``a[]=v`` appends with the next integer key, later values overwrite
    earlier ones, and all keys are strings ("0", "1", ...). Values are kept as given.
    """
    result = _PhpArray()
    for name, value in pairs:
        top, keys = _split_name(name)
        if not top:
            continue
        if len(keys) > MAX_NESTING:
            result.pop(top, None)  # PHP discards the whole variable
            continue
        container, key = result, top
        for sub_key in keys:
            child = container.get(key) if key is not None else None
            if not isinstance(child, _PhpArray):
                # A missing or scalar entry becomes an array; "[]" always starts a new one.
                child = _PhpArray()
                key = container.put(key, child)
            container, key = child, sub_key
        container.put(key, value)
    return _plain(result)


def php_parse_query(query: str, encoding: str = "utf-8") -> dict:
    """Parse a URL-encoded query string (``a=1&b[]=2``) as PHP's parse_str.

    ``+`` is a space and percent-escapes decode as ``encoding``; a name without ``=`` gets "".
    """
    pairs = (
        (unquote_plus(name, encoding, "replace"), unquote_plus(value, encoding, "replace"))
        for name, _, value in (segment.partition("=") for segment in query.split("&") if segment)
    )
    return php_parse_pairs(pairs)


def _form_encoding(request: HttpRequest, body: bytes) -> str:
    """The charset of a form body: the declared one, else UTF-8 unless the bytes are not."""
    if request.encoding:
        return request.encoding
    try:
        # Percent-escapes count as the bytes they stand for.
        unquote_to_bytes(body).decode("utf-8")
    except UnicodeDecodeError:
        return "cp1251"  # PHP shops on Windows-1251 send it undeclared
    return "utf-8"


def _body_params(request: HttpRequest) -> dict:
    """The parameters of the request body: JSON, URL-encoded form or multipart form."""
    if request.content_type == "multipart/form-data":
        # Django has parsed it already; reading request.body now would be refused.
        pairs = ((name, value) for name, values in request.POST.lists() for value in values)
        return php_parse_pairs(pairs)
    body = request.body
    if not body.strip():
        return {}
    if request.content_type == "application/json" or body.lstrip().startswith(b"{"):
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ParamsError(f"Request body is not valid JSON: {exc}") from exc
        if not isinstance(data, dict):
            raise ParamsError("JSON request body must be an object")
        return data
    if request.content_type == "application/x-www-form-urlencoded":
        encoding = _form_encoding(request, body)
        return php_parse_query(body.decode(encoding, "replace"), encoding)
    return {}


def request_params(request: HttpRequest) -> dict:
    """All parameters of a request: the query string, then the body overriding its top keys.

    The query string is parsed from the raw QUERY_STRING, as request.GET flattens PHP arrays.
    Raises ParamsError for a body that is not valid JSON or not a JSON object.
    """
    params = php_parse_query(request.META.get("QUERY_STRING", ""))
    params.update(_body_params(request))
    return params


def param(params: dict, name: str, default: object = None) -> object:
    """A top-level parameter found under any spelling Bitrix accepts, else default.

    Tried in order: name, NAME, name, Name and arName ("filter" also finds "FILTER", "Filter"
    and "arFilter").
    """
    if not name:
        return default
    spellings = (
        name,
        name.upper(),
        name.lower(),
        name.capitalize(),
        "ar" + name[0].upper() + name[1:].lower(),
    )
    for spelling in spellings:
        if spelling in params:
            return params[spelling]
    return default


def as_list(value: object) -> list:
    """A parameter as a list: PHP arrays arrive as dicts, single values as scalars.

    A dict keyed "0".."n-1" (in any order) gives its values in key order; any other dict
    gives its values in insertion order; None and "" give [].
    """
    if value is None or value == "":
        return []
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        positions = [str(index) for index in range(len(value))]
        if set(value) == set(positions):
            return [value[position] for position in positions]
        return list(value.values())
    return [value]


_TRUE_FLAGS = {"y", "1", "true"}
_FALSE_FLAGS = {"n", "0", "false", ""}


def as_flag(value: object, default: bool = False) -> bool:
    """A Bitrix boolean ("Y"/"N", also 1/0, true/false) as a bool; None gives default.

    Anything else raises ParamsError rather than guessing.
    """
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return value == 1
    if isinstance(value, str):
        text = value.lower()
        if text in _TRUE_FLAGS:
            return True
        if text in _FALSE_FLAGS:
            return False
    raise ParamsError(f"Expected a Y/N flag, got {value!r}")


def upper_keys(value, name: str) -> dict:
    """A PHP-array parameter (`fields`, a row) with its keys upper-cased, as Bitrix24 reads
    field names; ParamsError naming `name` when it is not an array."""
    if not isinstance(value, dict):
        raise ParamsError(f"Parameter '{name}' must be array.")
    return {str(key).upper(): each for key, each in value.items()}
