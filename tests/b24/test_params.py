import json
from urllib.parse import urlencode

import pytest
from django.test import RequestFactory

from b24.params import (
    ParamsError,
    as_flag,
    as_list,
    param,
    php_parse_pairs,
    php_parse_query,
    request_params,
)

FORM = "application/x-www-form-urlencoded"

# --- php_parse_query / php_parse_pairs ---------------------------------------------------


def test_nested_fields():
    query = "fields[PHONE][0][VALUE]=112233&fields[PHONE][0][VALUE_TYPE]=WORK"
    assert php_parse_query(query) == {
        "fields": {"PHONE": {"0": {"VALUE": "112233", "VALUE_TYPE": "WORK"}}}
    }


def test_empty_brackets_append():
    assert php_parse_query("select[]=ID&select[]=TITLE") == {"select": {"0": "ID", "1": "TITLE"}}


def test_append_continues_after_largest_integer_key():
    assert php_parse_query("a[5]=x&a[]=y") == {"a": {"5": "x", "6": "y"}}
    assert php_parse_query("a[x]=1&a[]=2&a[-3]=3&a[]=4") == {
        "a": {"x": "1", "0": "2", "-3": "3", "1": "4"}
    }
    # "05" is a string key in PHP, so it does not move the next index.
    assert php_parse_query("a[05]=x&a[]=y") == {"a": {"05": "x", "0": "y"}}


def test_append_of_nested_arrays():
    assert php_parse_query("a[][x]=1&a[][x]=2") == {"a": {"0": {"x": "1"}, "1": {"x": "2"}}}


def test_positional_top_level_keys():
    assert php_parse_query("0=123&1[X]=y") == {"0": "123", "1": {"X": "y"}}


def test_dots_and_spaces_in_top_level_name_become_underscores():
    assert php_parse_query("a.b=1&c+d=2&%20lead=3") == {"a_b": "1", "c_d": "2", "lead": "3"}


def test_sub_keys_are_literal():
    assert php_parse_query("a.b[c.d e]=1") == {"a_b": {"c.d e": "1"}}


def test_unclosed_bracket_makes_the_rest_literal():
    assert php_parse_query("a[b=1") == {"a_b": "1"}
    assert php_parse_query("a.x[b.c=1") == {"a_x_b.c": "1"}
    # A later unclosed bracket is dropped with what follows it.
    assert php_parse_query("a[b][c=1") == {"a": {"b": "1"}}


def test_text_after_closing_bracket_is_ignored():
    assert php_parse_query("a[b]c=1") == {"a": {"b": "1"}}


def test_percent_encoded_brackets():
    assert php_parse_query("filter%5B%3EID%5D=0") == {"filter": {">ID": "0"}}


def test_empty_value_in_array():
    assert php_parse_query("FILTER[]=") == {"FILTER": {"0": ""}}


def test_empty_names_and_segments_are_ignored():
    assert php_parse_query("&=1&[a]=2&&b&c=") == {"b": "", "c": ""}


def test_later_value_overwrites():
    assert php_parse_query("a=1&a=2") == {"a": "2"}
    assert php_parse_query("a[x]=1&a=2") == {"a": "2"}
    assert php_parse_query("a=1&a[x]=2") == {"a": {"x": "2"}}


def test_too_deep_nesting_drops_the_variable():
    assert php_parse_query("a=1&a" + "[x]" * 65 + "=2&b=3") == {"b": "3"}


def test_pairs_keep_value_types():
    marker = object()
    assert php_parse_pairs([("a[]", 1), ("a[]", marker)]) == {"a": {"0": 1, "1": marker}}


# --- request_params ----------------------------------------------------------------------


@pytest.fixture
def rf():
    return RequestFactory()


def test_query_string_only(rf):
    request = rf.get("/rest/crm.lead.list?select[]=ID&select[]=TITLE&order[ID]=DESC")
    assert request_params(request) == {
        "select": {"0": "ID", "1": "TITLE"},
        "order": {"ID": "DESC"},
    }


def test_json_body_with_nested_lists(rf):
    body = {"fields": {"TITLE": "Deal", "PHONE": [{"VALUE": "1", "VALUE_TYPE": "WORK"}]}}
    request = rf.post("/rest/", data=json.dumps(body), content_type="application/json")
    assert request_params(request) == body


def test_json_body_sniffed_without_content_type(rf):
    request = rf.post("/rest/", data=b'  {"id": 5}', content_type="text/plain")
    assert request_params(request) == {"id": 5}


def test_invalid_json_raises(rf):
    request = rf.post("/rest/", data=b'{"id": ', content_type="application/json")
    with pytest.raises(ParamsError, match="not valid JSON"):
        request_params(request)


def test_json_body_must_be_an_object(rf):
    request = rf.post("/rest/", data=b"[1, 2]", content_type="application/json")
    with pytest.raises(ParamsError, match="object"):
        request_params(request)


def test_empty_json_body(rf):
    request = rf.post("/rest/?id=1", data=b"", content_type="application/json")
    assert request_params(request) == {"id": "1"}


def test_form_body_utf8(rf):
    body = urlencode({"fields[TITLE]": "Заказ", "fields[OPENED]": "Y"})
    request = rf.post("/rest/", data=body, content_type=FORM)
    assert request_params(request) == {"fields": {"TITLE": "Заказ", "OPENED": "Y"}}


def test_form_body_cp1251_percent_encoded(rf):
    body = urlencode({"fields[TITLE]": "Заказ"}, encoding="cp1251")
    request = rf.post("/rest/", data=body, content_type=FORM)
    assert request_params(request) == {"fields": {"TITLE": "Заказ"}}


def test_form_body_cp1251_raw_bytes(rf):
    request = rf.post("/rest/", data="fields[TITLE]=Заказ".encode("cp1251"), content_type=FORM)
    assert request_params(request) == {"fields": {"TITLE": "Заказ"}}


def test_form_body_declared_charset_wins(rf):
    # These bytes are valid UTF-8 too ("Р—Р°..."), so only the declared charset tells.
    body = urlencode({"title": "Заказ"})
    declared = "Заказ".encode().decode("cp1251")
    request = rf.post("/rest/", data=body, content_type=f"{FORM}; charset=windows-1251")
    assert request_params(request) == {"title": declared}


def test_multipart_body(rf):
    data = {"fields[TITLE]": "Заказ", "select[]": ["ID", "TITLE"]}
    request = rf.post("/rest/", data=data)  # RequestFactory encodes it as multipart
    assert request.content_type == "multipart/form-data"
    assert request_params(request) == {
        "fields": {"TITLE": "Заказ"},
        "select": {"0": "ID", "1": "TITLE"},
    }


def test_body_overrides_query_at_top_level(rf):
    request = rf.post(
        "/rest/?id=1&fields[TITLE]=old&auth=token",
        data=json.dumps({"id": 2, "fields": {"NAME": "new"}}),
        content_type="application/json",
    )
    assert request_params(request) == {"id": 2, "fields": {"NAME": "new"}, "auth": "token"}


# --- param -------------------------------------------------------------------------------


@pytest.mark.parametrize("spelling", ["filter", "FILTER", "Filter", "arFilter"])
def test_param_finds_each_spelling(spelling):
    assert param({spelling: {"ID": "1"}}, "filter") == {"ID": "1"}


def test_param_finds_lower_case_of_a_mixed_name():
    assert param({"fields": 1}, "Fields") == 1
    assert param({"ID": 7}, "id") == 7


def test_param_prefers_spellings_in_order():
    params = {"arFilter": 5, "Filter": 4, "filter": 3, "FILTER": 2, "fiLter": 1}
    assert param(params, "fiLter") == 1
    del params["fiLter"]
    assert param(params, "fiLter") == 2
    del params["FILTER"]
    assert param(params, "fiLter") == 3
    del params["filter"]
    assert param(params, "fiLter") == 4
    del params["Filter"]
    assert param(params, "fiLter") == 5


def test_param_default():
    assert param({}, "fields") is None
    assert param({"other": 1}, "fields", {}) == {}
    assert param({"": 1}, "", "d") == "d"


# --- as_list / as_flag -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"1": "b", "0": "a", "2": "c"}, ["a", "b", "c"]),
        ({"5": "x", "6": "y"}, ["x", "y"]),
        ({"b": 2, "a": 1}, [2, 1]),
        ({}, []),
        (["a", "b"], ["a", "b"]),
        (None, []),
        ("", []),
        ("ID", ["ID"]),
        (0, [0]),
    ],
)
def test_as_list(value, expected):
    assert as_list(value) == expected


def test_as_list_returns_a_list_itself():
    value = [1, 2]
    assert as_list(value) is value


@pytest.mark.parametrize("value", ["Y", "y", "1", 1, True, "true", "TRUE"])
def test_as_flag_true(value):
    assert as_flag(value) is True


@pytest.mark.parametrize("value", ["N", "n", "0", 0, False, "false", ""])
def test_as_flag_false(value):
    assert as_flag(value, default=True) is False


def test_as_flag_none_gives_default():
    assert as_flag(None) is False
    assert as_flag(None, default=True) is True


@pytest.mark.parametrize("value", ["yes", "2", 2, 1.5, [], {"0": "Y"}])
def test_as_flag_rejects_others(value):
    with pytest.raises(ParamsError):
        as_flag(value)
