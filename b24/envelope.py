"""Bitrix24's answer envelope: `result`, `time` (clients throttle on `operating`), and for
list methods `total` and, only when more rows exist, `next`. JSON, or XML for `.xml`."""

import datetime
import time
from xml.etree import ElementTree

from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from .errors import B24Error
from .registry import Page


def time_block(started: float) -> dict:
    finished = time.time()
    duration = round(finished - started, 6)
    return {
        "start": started,
        "finish": finished,
        "duration": duration,
        "processing": duration,
        "date_start": _iso(started),
        "date_finish": _iso(finished),
        "operating_reset_at": int(finished) + 600,
        "operating": duration,
    }


def body_of(result, started: float) -> dict:
    """The envelope of a method's result (a Page for a list method)."""
    if isinstance(result, Page):
        body = {"result": result.rows, "total": result.total}
        if result.next is not None:
            body["next"] = result.next
    else:
        body = {"result": result}
    body["time"] = time_block(started)
    return body


def error_body(error: B24Error) -> dict:
    return {"error": error.code, "error_description": error.description}


def response_of(body: dict, *, status: int = 200, xml: bool = False) -> HttpResponse:
    if not xml:
        return JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    root = ElementTree.Element("response")
    _xml_fill(root, body)
    content = ElementTree.tostring(root, encoding="unicode", xml_declaration=True)
    return HttpResponse(content, status=status, content_type="text/xml; charset=utf-8")


def _xml_fill(element: ElementTree.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            name = str(key) if str(key)[:1].isalpha() else f"item{key}"
            _xml_fill(ElementTree.SubElement(element, name.replace(" ", "_")), item)
    elif isinstance(value, list):
        for item in value:
            _xml_fill(ElementTree.SubElement(element, "item"), item)
    elif value is not None:
        element.text = "true" if value is True else "false" if value is False else str(value)


def _iso(moment: float) -> str:
    local = timezone.localtime(datetime.datetime.fromtimestamp(moment, datetime.UTC))
    return local.isoformat(timespec="seconds")
