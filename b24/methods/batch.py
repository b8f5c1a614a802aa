"""`batch`: up to 50 commands in one call, each a `method?query` string, later ones able to
use earlier results through `$result[key][path]` (and `$next`, `$total`, `$time`, `$error`)."""

import re
import time

from ..dispatch import method_call
from ..envelope import error_body, time_block
from ..errors import B24Error
from ..params import as_flag, php_parse_query
from ..registry import Call, Page, b24_method

BATCH_LIMIT = 50
REFERENCE = re.compile(r"\$(result|next|total|time|error)((?:\[[^\]\[]*\])*)", re.IGNORECASE)
NOT_IN_BATCH = {"batch"}


@b24_method("batch", scope=None)
def batch(call: Call) -> dict:
    commands = call.param("cmd") or {}
    if not isinstance(commands, dict | list):
        raise B24Error("Parameter 'cmd' must be array.")
    halt = as_flag(call.param("halt"), default=False)
    items = commands.items() if isinstance(commands, dict) else enumerate(commands)
    answers = {kind: {} for kind in ("result", "error", "total", "next", "time")}
    for index, (key, command) in enumerate(items):
        if index >= BATCH_LIMIT:
            answers["error"][key] = error_body(B24Error(
                "Max batch length exceeded", code="ERROR_BATCH_LENGTH_EXCEEDED"))  # fmt: skip
            continue
        name, _mark, query = str(command).partition("?")
        started = time.time()
        try:
            if name.lower() in NOT_IN_BATCH:
                raise B24Error("Method is not allowed for batch usage",
                               code="ERROR_BATCH_METHOD_NOT_ALLOWED", status=405)  # fmt: skip
            params = references_resolved(php_parse_query(query), answers)
            result = method_call(user=call.user, scopes=call.scopes, name=name, params=params)
        except B24Error as error:
            answers["error"][key] = error_body(error)
            if halt:
                break
            continue
        if isinstance(result, Page):
            answers["result"][key], answers["total"][key] = result.rows, result.total
            if result.next is not None:
                answers["next"][key] = result.next
        else:
            answers["result"][key] = result
        answers["time"][key] = time_block(started)
    return {f"result_{kind}" if kind != "result" else "result": php_array(found)
            for kind, found in answers.items()}  # fmt: skip


def references_resolved(value, answers: dict):
    """`value` (parsed parameters) with each reference to an earlier command replaced: a whole
    value by what it names (which may be an array), a reference inside text by its text."""
    if isinstance(value, dict):
        return {references_resolved(key, answers): references_resolved(item, answers)
                for key, item in value.items()}  # fmt: skip
    if isinstance(value, list):
        return [references_resolved(item, answers) for item in value]
    if not isinstance(value, str) or "$" not in value:
        return value
    whole = REFERENCE.fullmatch(value)
    if whole:
        return _referenced(whole, answers)
    return REFERENCE.sub(lambda match: _scalar_text(_referenced(match, answers), match), value)


def _referenced(match: re.Match, answers: dict):
    """What `$kind[a][b]` names; as Bitrix24 does, a missing key stops the walk where it is."""
    found = answers[match[1].lower()]
    for key in re.findall(r"\[([^\]\[]*)\]", match[2]):
        if isinstance(found, dict) and key in found:
            found = found[key]
        elif (
            isinstance(found, dict)
            and key.isdecimal()
            and int(key) in found
            or isinstance(found, list)
            and key.isdecimal()
            and int(key) < len(found)
        ):
            found = found[int(key)]
        else:
            break
    return found


def _scalar_text(value, match: re.Match) -> str:
    if isinstance(value, dict | list):
        return match[0]  # only a scalar goes into text
    if isinstance(value, bool):
        return "1" if value else ""
    return "" if value is None else str(value)


def php_array(values: dict):
    """PHP's JSON of an array: `[]` when empty, a list when its keys are 0..n-1."""
    if not values:
        return []
    if list(values) == list(range(len(values))):
        return list(values.values())
    return values
