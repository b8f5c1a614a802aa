"""The shop settings pages: administrators only; the settings page saves the shop, its
managers, its pipeline rules and its status map through the services; the token is shown once; the connection
test and "Sync now" talk to a real (tiny, local) exchange endpoint."""

import hashlib
import threading
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from accounts.models import PermissionAction, PermissionEntity, PermissionScope
from catalog.services import section_create
from deals.models import Pipeline
from shopsync.models import (
    Shop,
    ShopAssignmentRule,
    ShopOrder,
    ShopRoute,
    ShopStatusStage,
    SyncRun,
)
from shopsync.services import shop_by_token, shop_token_rotate
from tests.factories import (
    DealFactory,
    UserFactory,
    department,
    role,
    sales_pipeline,
    user_with_role,
)

pytestmark = pytest.mark.django_db

PASSWORD = "s3cret-Pa55"
EMPTY_DOCUMENT = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<КоммерческаяИнформация ВерсияСхемы="2.08" ДатаФормирования="2024-05-01T12:00:00">'
    "</КоммерческаяИнформация>\n"
).encode()


@dataclass
class ExchangeServer:
    """A shop's 1C exchange endpoint on loopback: answers each mode as scripted (commerceml.md
    §2.3) and records (mode, Authorization header) of every request."""

    answers: dict[str, bytes] = field(
        default_factory=lambda: {
            "checkauth": b"success\ncookie\nvalue\nsessid=abc",
            "init": b"zip=no\nfile_limit=1000000",
            "query": EMPTY_DOCUMENT,
            "success": b"success\n",
        }
    )
    requests: list[tuple[str, str]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def exchange_server():
    exchange = ExchangeServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802  (http.server's naming)
            mode = parse_qs(urlsplit(self.path).query).get("mode", [""])[0]
            exchange.requests.append((mode, self.headers.get("Authorization", "")))
            body = exchange.answers.get(mode, b"failure\nunknown mode")
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=windows-1251")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_POST = do_GET

        def log_message(self, format, *args):  # quiet
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    exchange.url = f"http://127.0.0.1:{server.server_port}/bitrix/admin/1c_exchange.php"
    try:
        yield exchange
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def administrator():
    user = UserFactory(username="admin")
    user.roles.add(
        role(
            "Administrator",
            PermissionScope.ALL,
            entities=[PermissionEntity.SETTINGS],
            actions=[PermissionAction.EDIT],
        )
    )
    return user


@pytest.fixture
def shop(pipeline):
    return Shop.objects.create(
        name="Kettles", pipeline=pipeline, assignment="pool", exchange_url="http://127.0.0.1:9/x",
        login="crm", password=PASSWORD,
    )  # fmt: skip


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _run(shop, *, document: bytes | None = None, **fields) -> SyncRun:
    run = SyncRun.objects.create(shop=shop, kind="pull", started_at=timezone.now(), **fields)
    if document is not None:
        run.document.save(f"{shop.pk}-{run.pk}-orders.xml", ContentFile(document), save=True)
    return run


def _form(pipeline, **changes) -> dict:
    """The settings page's fields as a browser posts them (one blank map row, no rules)."""
    data = {
        "name": "Teapots", "exchange_url": "https://teapots.example.com/1c_exchange.php",
        "login": "crm", "password": PASSWORD, "commerceml_version": "2.08",
        "push_encoding": "windows-1251", "time_zone": "Asia/Yekaterinburg",
        "sync_interval_minutes": "15", "import_from": "2024-01-01", "import_to": "2024-12-31",
        "is_active": "on", "pipeline": str(pipeline.pk), "probability": "40",
        "assignment": "pool", "responsible": "", "managers": [],
        "statuses-TOTAL_FORMS": "1", "statuses-INITIAL_FORMS": "0",
        "statuses-MIN_NUM_FORMS": "0", "statuses-MAX_NUM_FORMS": "1000",
        "statuses-0-status_code": "", "statuses-0-stage": "",
        "routes-TOTAL_FORMS": "0", "routes-INITIAL_FORMS": "0",
        "routes-MIN_NUM_FORMS": "0", "routes-MAX_NUM_FORMS": "1000",
        "assignment-TOTAL_FORMS": "0", "assignment-INITIAL_FORMS": "0",
        "assignment-MIN_NUM_FORMS": "0", "assignment-MAX_NUM_FORMS": "1000",
    }  # fmt: skip
    data.update(changes)
    return data


def _rows(*rows, initial: int = 0) -> dict:
    data = {"statuses-TOTAL_FORMS": str(len(rows)), "statuses-INITIAL_FORMS": str(initial)}
    for index, (status_code, stage, *deleted) in enumerate(rows):
        data[f"statuses-{index}-status_code"] = status_code
        data[f"statuses-{index}-stage"] = str(stage.pk) if stage else ""
        if deleted:
            data[f"statuses-{index}-DELETE"] = "on"
    return data


def _routes(*rows, initial: int = 0) -> dict:
    """Rule rows: (site, region, customer group, amount from, amount to, pipeline[, deleted])."""
    data = {"routes-TOTAL_FORMS": str(len(rows)), "routes-INITIAL_FORMS": str(initial)}
    for index, (site, region, group, amount_min, amount_max, pipeline, *deleted) in enumerate(rows):
        data |= {
            f"routes-{index}-site": site, f"routes-{index}-region": region,
            f"routes-{index}-customer_group": group, f"routes-{index}-amount_min": amount_min,
            f"routes-{index}-amount_max": amount_max,
            f"routes-{index}-pipeline": str(pipeline.pk) if pipeline else "",
        }  # fmt: skip
        if deleted:
            data[f"routes-{index}-DELETE"] = "on"
    return data


def _saved_routes() -> list[tuple]:
    return list(ShopRoute.objects.values_list(
        "sort", "site", "region", "customer_group", "amount_min", "amount_max", "pipeline__name"
    ))  # fmt: skip


def test_shop_settings_are_for_administrators_only(client, shop, administrator, media):
    run = _run(shop, document=b"<xml/>")
    shop_token_rotate(shop=shop)
    token_hash = shop.token_hash
    pages = [
        reverse("shopsync:list"),
        reverse("shopsync:create"),
        reverse("shopsync:detail", args=[shop.pk]),
        reverse("shopsync:update", args=[shop.pk]),
        reverse("shopsync:run-document", args=[run.pk]),
    ]
    posts = [
        reverse("shopsync:create"),
        reverse("shopsync:update", args=[shop.pk]),
        reverse("shopsync:rotate-token", args=[shop.pk]),
        reverse("shopsync:test-connection", args=[shop.pk]),
        reverse("shopsync:pull", args=[shop.pk]),
    ]
    director = UserFactory(username="director")
    director.roles.add(role("Director", PermissionScope.ALL, entities=[PermissionEntity.DEAL]))

    # anonymous: to the login page
    for response in [client.get(url) for url in pages] + [client.post(url) for url in posts]:
        assert response.status_code == 302 and "/login/" in response["Location"]

    # managers, a director of all deals, staff without the settings right: refused
    for user in [user_with_role("manager", "own"), director,
                 UserFactory(username="staff", is_staff=True)]:  # fmt: skip
        client.force_login(user)
        for url in pages:
            assert client.get(url).status_code == 403, (user, url)
        for url in posts:
            assert client.post(url, {"name": "Taken over"}).status_code == 403, (user, url)
    shop.refresh_from_db()
    assert (shop.name, shop.token_hash, shop.last_pull_at) == ("Kettles", token_hash, None)
    assert Shop.objects.count() == 1 and SyncRun.objects.count() == 1

    # the administrator: every page
    client.force_login(administrator)
    for url in pages:
        assert client.get(url).status_code == 200, url


def test_an_administrator_creates_a_shop_with_random_managers_and_a_status_map(
    client, administrator, pipeline
):
    # given
    client.force_login(administrator)
    anna, boris = UserFactory(username="anna"), UserFactory(username="boris")
    UserFactory(username="clara")
    negotiation, won = pipeline.stages.get(name="Negotiation"), pipeline.stages.get(name="Won")

    # when
    response = client.post(
        reverse("shopsync:create"),
        _form(pipeline, assignment="random", managers=[anna.pk, boris.pk], is_open_to_all="on")
        | _rows(("N", negotiation), ("F", won), ("", None)),
    )

    # then
    shop = Shop.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("shopsync:detail", args=[shop.pk])
    assert (shop.name, shop.exchange_url, shop.login, shop.password) == (
        "Teapots", "https://teapots.example.com/1c_exchange.php", "crm", PASSWORD)  # fmt: skip
    assert (shop.push_encoding, shop.time_zone, shop.sync_interval_minutes) == (
        "windows-1251", "Asia/Yekaterinburg", 15)  # fmt: skip
    assert (str(shop.import_from), str(shop.import_to)) == ("2024-01-01", "2024-12-31")
    assert (shop.pipeline, shop.probability, shop.assignment, shop.responsible) == (
        pipeline, 40, "random", None)  # fmt: skip
    assert shop.is_active and shop.is_open_to_all
    assert set(shop.managers.values_list("username", flat=True)) == {"anna", "boris"}
    assert list(ShopStatusStage.objects.values_list("status_code", "stage__name")) == [
        ("F", "Won"), ("N", "Negotiation")]  # fmt: skip
    page = client.get(response["Location"]).content.decode()
    assert "The shop Teapots is saved." in page
    assert PASSWORD not in page


def test_an_edit_replaces_the_map_and_managers_and_keeps_the_password_left_empty(
    client, administrator, shop, pipeline
):
    # given a shop with a fixed manager and a map of two rows
    client.force_login(administrator)
    anna = UserFactory(username="anna", first_name="Anna", last_name="Ivanova")
    new, won = pipeline.stages.get(name="New"), pipeline.stages.get(name="Won")
    ShopStatusStage.objects.create(shop=shop, status_code="N", stage=new)
    ShopStatusStage.objects.create(shop=shop, status_code="F", stage=won)
    url = reverse("shopsync:update", args=[shop.pk])

    # the page shows the map, never the password
    page = client.get(url).content.decode()
    assert PASSWORD not in page
    assert 'value="N"' in page and 'value="F"' in page

    # when the first row is removed, the second changed, a third added, the password left empty
    response = client.post(
        url,
        _form(pipeline, name="Kettles", password="", assignment="fixed", responsible=anna.pk)
        | _rows(("F", won, "deleted"), ("N", won), ("D", new), initial=2),
    )

    # then
    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.password, shop.assignment, shop.responsible) == (PASSWORD, "fixed", anna)
    assert list(ShopStatusStage.objects.values_list("status_code", "stage__name")) == [
        ("D", "New"), ("N", "Won")]  # fmt: skip
    detail = client.get(response["Location"]).content.decode()
    assert PASSWORD not in detail and "Anna Ivanova" in detail

    # and a new password given replaces it
    client.post(url, _form(pipeline, name="Kettles", password="n3w") | _rows(initial=0))
    shop.refresh_from_db()
    assert shop.password == "n3w"
    assert not ShopStatusStage.objects.exists()


def test_errors_are_shown_next_to_their_fields_and_nothing_is_saved(
    client, administrator, shop, pipeline
):
    # given a second pipeline whose stage does not fit the shop's
    client.force_login(administrator)
    other = sales_pipeline("Wholesale").stages.get(name="Won")
    won = pipeline.stages.get(name="Won")
    ShopStatusStage.objects.create(shop=shop, status_code="F", stage=won)
    url = reverse("shopsync:update", args=[shop.pk])

    # when a fixed assignment has no manager, a random one no managers, a row another
    # pipeline's stage and a status twice
    fixed = client.post(url, _form(pipeline, name="Renamed", assignment="fixed")
                        | _rows(("F", won), ("F", won), ("W", other), initial=1))  # fmt: skip
    random = client.post(url, _form(pipeline, name="Renamed", assignment="random")
                         | _rows(("F", won), initial=1))  # fmt: skip
    bad_values = client.post(url, _form(pipeline, name="Renamed", probability="140",
                                        import_from="2024-12-31", import_to="2024-01-01",
                                        exchange_url="ftp://shop.example.com/")
                             | _rows(("F", won), initial=1))  # fmt: skip

    # then
    form = fixed.context["form"]
    rows = fixed.context["formset"].forms
    assert fixed.status_code == 200
    assert form.errors["responsible"] == ["Choose the manager who gets the shop's deals."]
    assert rows[0].errors == {}
    assert rows[1].errors == {"status_code": ["The status F is mapped twice."]}
    assert rows[2].errors == {
        "stage": ["The stage Won is not in the pipeline of the shop's deals."]
    }
    assert "The stage Won is not in the pipeline" in fixed.content.decode()
    assert random.context["form"].errors == {"managers": ["Choose the managers to pick from."]}
    assert set(bad_values.context["form"].errors) == {"probability", "exchange_url"}
    shop.refresh_from_db()
    assert (shop.name, shop.assignment) == ("Kettles", "pool")
    assert list(ShopStatusStage.objects.values_list("status_code", "stage")) == [("F", won.pk)]

    # the first-import dates the wrong way round
    dates = client.post(url, _form(pipeline, import_from="2024-12-31", import_to="2024-01-01")
                        | _rows(("F", won), initial=1))  # fmt: skip
    assert dates.context["form"].errors == {
        "import_to": ["The end of the first import is before its start."]
    }


def test_pipeline_rules_are_saved_in_page_order_with_a_status_mapped_to_their_pipeline(
    client, administrator, shop, pipeline
):
    # given a shop with one rule, and a second pipeline
    client.force_login(administrator)
    wholesale = sales_pipeline("Wholesale")
    ShopRoute.objects.create(shop=shop, sort=5, site="s9", pipeline=wholesale)
    url = reverse("shopsync:update", args=[shop.pk])
    page = client.get(url).content.decode()
    assert 'value="s9"' in page and "Pipeline rules" in page

    # when the rule is removed, two are added and a status maps to a rule's pipeline at once
    response = client.post(
        url,
        _form(pipeline, name="Kettles")
        | _routes(("s9", "", "", "", "", wholesale, "deleted"),
                  (" s1 ", "Ural", "", "10000", "", wholesale),
                  ("", "", "VIP", "", "500.50", pipeline), initial=1)
        | _rows(("W", wholesale.stages.get(name="Won"))),
    )  # fmt: skip

    # then the rules are replaced, their sort the rows' order
    assert response.status_code == 302, response.context and response.context["form"].errors
    assert _saved_routes() == [
        (10, "s1", "Ural", "", Decimal("10000.00"), None, "Wholesale"),
        (20, "", "", "VIP", None, Decimal("500.50"), "Sales"),
    ]
    assert list(ShopStatusStage.objects.values_list("status_code", "stage__pipeline__name")) == [
        ("W", "Wholesale")]  # fmt: skip

    # and left out of the page, none stay
    client.post(url, _form(pipeline, name="Kettles") | _rows(initial=0))
    assert not ShopRoute.objects.exists()


def test_assignment_rules_and_the_department_to_notify_are_saved_from_the_page(
    client, administrator, shop, pipeline
):
    client.force_login(administrator)
    big, b2b = UserFactory(username="big"), UserFactory(username="b2b")
    kitchen = section_create(name="Kitchen")
    sales = department("Online sales")
    url = reverse("shopsync:update", args=[shop.pk])
    assert "Assignment rules" in client.get(url).content.decode()

    response = client.post(url, _form(
        pipeline, name="Kettles", notify_department=str(sales.pk), allow_backward_moves="on",
        callback_url="https://kettles.example.com/crm-callback",
        **{"assignment-TOTAL_FORMS": "3",
           "assignment-0-amount_min": "10000", "assignment-0-responsible": str(big.pk),
           "assignment-1-client_type": "company", "assignment-1-section": str(kitchen.pk),
           "assignment-1-responsible": str(b2b.pk),
           "assignment-2-amount_min": "5", "assignment-2-amount_max": "1",
           "assignment-2-responsible": str(big.pk), "assignment-2-DELETE": "on"},
    ))  # fmt: skip

    assert response.status_code == 302, response.context and response.context["form"].errors
    shop.refresh_from_db()
    assert (shop.notify_department, shop.allow_backward_moves, shop.callback_url) == (
        sales, True, "https://kettles.example.com/crm-callback")  # fmt: skip
    assert list(shop.assignment_rules.values_list(
        "sort", "amount_min", "client_type", "section__name", "responsible__username")) == [
        (10, Decimal("10000.00"), "", None, "big"), (20, None, "company", "Kitchen", "b2b")]  # fmt: skip
    page = client.get(url).content.decode()
    assert 'value="10000.00"' in page


def test_a_rule_error_is_shown_next_to_its_row_and_nothing_is_saved(
    client, administrator, shop, pipeline
):
    # given a shop with one rule
    client.force_login(administrator)
    wholesale = sales_pipeline("Wholesale")
    ShopRoute.objects.create(shop=shop, sort=10, site="s1", pipeline=wholesale)
    url = reverse("shopsync:update", args=[shop.pk])

    # when a rule's amounts are the wrong way round, and a status maps to a removed rule's
    # pipeline
    response = client.post(
        url,
        _form(pipeline, name="Renamed")
        | _routes(("s1", "", "", "", "", wholesale, "deleted"),
                  ("", "", "", "100", "", pipeline), ("", "", "", "900", "100", pipeline),
                  initial=1)
        | _rows(("W", wholesale.stages.get(name="Won"))),
    )  # fmt: skip

    # then
    assert response.status_code == 200
    rules = response.context["route_formset"].forms
    assert rules[1].errors == {}
    assert rules[2].errors == {"amount_max": ["The amount to is less than the amount from."]}
    assert response.context["formset"].forms[0].errors == {
        "stage": ["The stage Won is not in the pipeline of the shop's deals."]
    }
    assert "The amount to is less than the amount from." in response.content.decode()
    shop.refresh_from_db()
    assert shop.name == "Kettles"
    assert _saved_routes() == [(10, "s1", "", "", None, None, "Wholesale")]
    assert not ShopStatusStage.objects.exists()


def test_a_shop_name_is_unique(client, administrator, shop, pipeline):
    client.force_login(administrator)

    response = client.post(reverse("shopsync:create"), _form(pipeline, name="Kettles"))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["name"]
    assert Shop.objects.count() == 1


def test_a_new_token_is_shown_once_and_only_its_hash_is_kept(client, administrator, shop):
    client.force_login(administrator)

    response = client.post(reverse("shopsync:rotate-token", args=[shop.pk]))

    page = response.content.decode()
    token = response.context["token"]
    shop.refresh_from_db()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert token in page and "http://testserver/api/v1/shop-orders/" in page
    assert f"Authorization: Bearer {token}" in page  # the curl example
    assert shop.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert shop_by_token(token) == shop
    assert token not in client.get(reverse("shopsync:detail", args=[shop.pk])).content.decode()

    # a second token replaces the first
    second = client.post(reverse("shopsync:rotate-token", args=[shop.pk])).context["token"]
    assert shop_by_token(token) is None and shop_by_token(second) == shop


def test_the_connection_test_opens_an_exchange_with_the_shop(
    client, administrator, shop, exchange_server
):
    client.force_login(administrator)
    Shop.objects.filter(pk=shop.pk).update(exchange_url=exchange_server.url)

    response = client.post(reverse("shopsync:test-connection", args=[shop.pk]), follow=True)

    assert "Connected to Kettles." in response.content.decode()
    assert [mode for mode, _ in exchange_server.requests] == ["checkauth", "init"]
    assert exchange_server.requests[0][1].startswith("Basic ")
    assert not SyncRun.objects.exists()


def test_a_refused_connection_says_why_without_the_password(
    client, administrator, shop, exchange_server
):
    client.force_login(administrator)
    Shop.objects.filter(pk=shop.pk).update(exchange_url=exchange_server.url)
    exchange_server.answers["checkauth"] = f"failure\nWrong password {PASSWORD}".encode()
    url = reverse("shopsync:test-connection", args=[shop.pk])

    refused = client.post(url, follow=True).content.decode()
    Shop.objects.filter(pk=shop.pk).update(exchange_url="http://127.0.0.1:9/closed")
    unreachable = client.post(url, follow=True).content.decode()
    Shop.objects.filter(pk=shop.pk).update(exchange_url="")
    no_url = client.post(url, follow=True).content.decode()

    assert "The shop did not connect: The shop refused the login: failure / Wrong password ***" in (
        refused
    )
    assert "The shop did not connect: Cannot reach the shop at 127.0.0.1" in unreachable
    assert "The shop has no exchange URL." in no_url
    assert PASSWORD not in refused + unreachable + no_url
    assert [mode for mode, _ in exchange_server.requests] == ["checkauth"]


def test_sync_now_queues_a_pull_that_runs_once_the_request_commits(
    client, administrator, shop, exchange_server, media, django_capture_on_commit_callbacks
):
    # given a shop whose exchange endpoint has nothing waiting
    client.force_login(administrator)
    Shop.objects.filter(pk=shop.pk).update(exchange_url=exchange_server.url)

    # when "Sync now" is pressed (tasks run in-process in the tests, after the commit)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("shopsync:pull", args=[shop.pk]))

    # then the page says so, and the queued pull asked the shop for its orders
    assert response.status_code == 302
    assert len(callbacks) == 1
    page = client.get(response["Location"]).content.decode()
    assert "A pull is queued" in page
    assert [mode for mode, _ in exchange_server.requests] == [
        "checkauth", "init", "query", "success"]  # fmt: skip
    run = SyncRun.objects.get()
    assert (run.kind, run.status, run.seen) == ("pull", "done", 0)
    shop.refresh_from_db()
    assert shop.last_pull_at is not None and shop.sync_lease_until is None


def test_sync_now_says_a_pull_is_running_and_queues_nothing(
    client, administrator, shop, exchange_server, django_capture_on_commit_callbacks
):
    client.force_login(administrator)
    Shop.objects.filter(pk=shop.pk).update(
        exchange_url=exchange_server.url,
        sync_lease_until=timezone.now() + timezone.timedelta(minutes=5),
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("shopsync:pull", args=[shop.pk]), follow=True)

    page = response.content.decode()
    assert "A pull of this shop is running now." in page
    assert "A pull is running now." in page  # beside the buttons
    assert callbacks == [] and exchange_server.requests == []
    assert not SyncRun.objects.exists()


def test_sync_now_refuses_a_shop_without_an_exchange_url(client, administrator, shop):
    client.force_login(administrator)
    Shop.objects.filter(pk=shop.pk).update(exchange_url="")

    response = client.post(reverse("shopsync:pull", args=[shop.pk]), follow=True)

    assert "The shop has no exchange URL." in response.content.decode()
    assert not SyncRun.objects.exists()


def test_the_raw_document_of_a_run_is_downloaded_as_an_attachment(
    client, administrator, shop, media
):
    client.force_login(administrator)
    document = "<КоммерческаяИнформация/>".encode()
    run = _run(shop, document=document)
    empty = _run(shop)

    response = client.get(reverse("shopsync:run-document", args=[run.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == document
    assert response["Content-Disposition"] == (
        f'attachment; filename="{shop.pk}-{run.pk}-orders.xml"'
    )
    assert client.get(reverse("shopsync:run-document", args=[empty.pk])).status_code == 404
    assert client.get(reverse("shopsync:run-document", args=[999999])).status_code == 404


def test_the_statistics_page_counts_orders_and_lists_the_last_runs_with_their_errors(
    client, administrator, shop, media
):
    # given orders and 55 runs, the last one failed with an order's error
    client.force_login(administrator)
    for number, (paid, cancelled) in enumerate([(True, False), (True, False), (False, True),
                                                (False, False)]):  # fmt: skip
        ShopOrder.objects.create(shop=shop, external_id=str(number), deal=DealFactory(),
                                 received_at=timezone.now(), is_paid=paid, is_cancelled=cancelled)  # fmt: skip
    for _ in range(54):
        _run(shop, status="done", seen=1)
    SyncRun.objects.update(started_at=timezone.now() - timezone.timedelta(days=1))
    last = _run(shop, document=b"<x/>", status="failed", seen=3, created=1, failed=2,
                errors=[{"order": "A-7", "reason": "The currency XYZ is not set up in the CRM."},
                        {"order": "", "reason": "Unreadable document"}])  # fmt: skip

    # when
    response = client.get(reverse("shopsync:detail", args=[shop.pk]))

    # then
    page = response.content.decode()
    assert response.context["order_counts"] == {"total": 4, "paid": 2, "cancelled": 1}
    assert len(response.context["runs"]) == 50 and response.context["runs"][0] == last
    assert "Order A-7: The currency XYZ is not set up in the CRM." in page
    assert "Unreadable document" in page
    assert reverse("shopsync:run-document", args=[last.pk]) in page


def _shops_with_runs(names: list[str], runs: int, pipeline) -> list[Shop]:
    shops = []
    for name in names:
        shop = Shop.objects.create(name=name, pipeline=pipeline, assignment="random")
        shop.managers.set([UserFactory(username=f"{name}-{n}") for n in range(2)])
        ShopStatusStage.objects.create(shop=shop, status_code="N", stage=pipeline.stages.first())
        for _ in range(runs):
            _run(shop, status="done", seen=2, created=1, unchanged=1)
        ShopOrder.objects.create(shop=shop, external_id="1", deal=DealFactory(),
                                 received_at=timezone.now())  # fmt: skip
        shops.append(shop)
    return shops


def test_the_list_and_the_statistics_page_take_a_bounded_number_of_queries(
    client, administrator, pipeline, django_assert_max_num_queries
):
    client.force_login(administrator)
    first = _shops_with_runs(["A"], 1, pipeline)[0]
    with django_assert_max_num_queries(8) as small_list:
        client.get(reverse("shopsync:list"))
    with django_assert_max_num_queries(10) as small_detail:
        client.get(reverse("shopsync:detail", args=[first.pk]))
    with django_assert_max_num_queries(19) as small_form:
        client.get(reverse("shopsync:update", args=[first.pk]))

    shops = _shops_with_runs(["B", "C", "D"], 30, pipeline)

    with django_assert_max_num_queries(len(small_list)):
        response = client.get(reverse("shopsync:list"))
    listed = [(shop.name, shop.last_run.seen) for shop in response.context["shops"]]
    assert listed == [("A", 2), ("B", 2), ("C", 2), ("D", 2)]
    with django_assert_max_num_queries(len(small_detail)):
        response = client.get(reverse("shopsync:detail", args=[shops[0].pk]))
    assert len(response.context["runs"]) == 30
    for code in "ABCDE":  # the map's rows share one query for their stages
        ShopStatusStage.objects.create(
            shop=shops[0], status_code=code, stage=pipeline.stages.last()
        )
    other = sales_pipeline("Wholesale")
    for index in range(5):  # and the rules' rows one query for their pipelines
        ShopRoute.objects.create(
            shop=shops[0], sort=index, site=f"s{index}", pipeline=[pipeline, other][index % 2]
        )
    section = section_create(name="Kitchen")
    for index in range(5):  # and the assignment rules' rows one for sections, one for managers
        ShopAssignmentRule.objects.create(shop=shops[0], sort=index, section=section,
                                          responsible=UserFactory(username=f"m{index}"))  # fmt: skip
    with django_assert_max_num_queries(len(small_form)):
        response = client.get(reverse("shopsync:update", args=[shops[0].pk]))
    assert len(response.context["formset"].forms) == 7
    assert len(response.context["route_formset"].forms) == 5
    assert len(response.context["rule_formset"].forms) == 5


def test_the_default_pipeline_is_offered_for_a_new_shop(client, administrator, pipeline):
    client.force_login(administrator)

    response = client.get(reverse("shopsync:create"))

    assert response.context["form"].initial["pipeline"] == Pipeline.objects.get(is_default=True)
    assert "1. Connection" in response.content.decode()
