"""CommerceML documents into deals: kept on their run, read order by order; a bad order or
a broken document loses nothing that could be read, and a replay doubles nothing."""

from pathlib import Path

import pytest

from deals.models import Deal
from shopsync.documents import document_ingest, run_document_ingest
from shopsync.models import Shop, ShopOrder
from tests.shopsync import hostile

SAMPLES = Path("/work/shared/reference/commerceml-samples")
if not SAMPLES.exists():  # a checkout beside the shared folder
    SAMPLES = Path(__file__).resolve().parents[3] / "shared/reference/commerceml-samples"


@pytest.fixture
def shop(pipeline):
    return Shop.objects.create(name="Kettles", pipeline=pipeline, assignment="pool")


def test_a_document_of_orders_becomes_deals_and_is_kept_on_its_run(shop, tmp_path):
    text = hostile.commerceml(
        hostile.order("1", requisites=hostile.requisite("Заказ оплачен", "true")),
        hostile.order("2", lines=hostile.line(quantity="2", amount="3000.00")
                      + hostile.line("ORDER_DELIVERY", name="Доставка заказа", price="300",
                                     amount="300")),
        hostile.order("pay-1", operation="Выплата безналичных денег"),
    )  # fmt: skip

    run = document_ingest(shop=shop, document=text.encode(), kind="upload")

    assert (run.status, run.seen, run.created, run.failed, run.skipped) == ("done", 2, 2, 0, 1)
    with run.document.open("rb") as kept:
        assert kept.read().decode() == text
    second = ShopOrder.objects.get(external_id="2").deal
    assert second.amount == 3300  # 2 × 1500 + 300 delivery
    assert ShopOrder.objects.get(external_id="1").is_paid
    assert bytes(ShopOrder.objects.get(external_id="1").document).startswith("<Документ".encode())


def test_the_same_document_again_doubles_nothing(shop):
    text = hostile.commerceml(hostile.order("1"), hostile.order("2")).encode()
    first = document_ingest(shop=shop, document=text, kind="upload")

    replay = run_document_ingest(run=first)

    assert (replay.created, replay.unchanged) == (0, 2)
    assert Deal.objects.count() == 2


def test_one_bad_order_does_not_block_the_others(shop, tmp_path):
    path = hostile.write_bad_quantity(tmp_path)

    with path.open("rb") as document:
        run = document_ingest(shop=shop, document=document, kind="upload")

    assert (run.created, run.failed) == (2, 1)
    assert run.errors == [{"order": "2", "reason": run.errors[0]["reason"]}]
    assert "много" in run.errors[0]["reason"]


def test_a_truncated_document_keeps_the_orders_before_the_break_and_fails_clearly(shop, tmp_path):
    path = hostile.write_truncated(tmp_path)

    with path.open("rb") as document:
        run = document_ingest(shop=shop, document=document, kind="upload")

    assert run.created == 2 and run.failed == 1
    assert "truncated" in run.errors[-1]["reason"]
    assert set(ShopOrder.objects.values_list("external_id", flat=True)) == {"1", "2"}


@pytest.mark.parametrize("writer", [hostile.write_xxe, hostile.write_billion_laughs,
                                    hostile.write_commerceml_1])  # fmt: skip
def test_a_hostile_document_fails_its_run_with_a_clear_error_and_creates_nothing(
    shop, tmp_path, writer
):
    with writer(tmp_path).open("rb") as document:
        run = document_ingest(shop=shop, document=document, kind="upload")

    assert run.status == "failed" and run.created == 0
    assert run.errors[0]["reason"]
    assert not Deal.objects.exists()


@pytest.mark.parametrize("sample", sorted(SAMPLES.glob("*.xml")), ids=lambda path: path.name)
def test_every_reference_sample_is_taken_without_a_failure(shop, sample, money):
    run = document_ingest(shop=shop, document=sample.read_bytes(), kind="upload")

    assert run.failed == 0, run.errors
    assert run.created == ShopOrder.objects.count() == Deal.objects.count()


def test_the_site_and_region_of_a_document_route_its_orders(shop):
    from deals.services import StageSpec, pipeline_create
    from shopsync.models import ShopRoute

    moscow = pipeline_create(
        name="Moscow",
        stages=[StageSpec("New", 10), StageSpec("Won", 20, "won"), StageSpec("Lost", 30, "lost")],
    )
    ShopRoute.objects.create(shop=shop, site="s2", region="Москва", pipeline=moscow)
    address = (
        "<Адрес><Представление>Москва, Тверская, 1</Представление><АдресноеПоле>"
        "<Тип>Регион</Тип><Значение>Москва</Значение></АдресноеПоле></Адрес>"
    )
    site = hostile.requisite("Сайт", "[s2] Второй сайт")

    document_ingest(shop=shop, kind="upload", document=hostile.commerceml(
        hostile.order("1", buyers=hostile.buyer(extra=address), requisites=site),
        hostile.order("2", buyers=hostile.buyer("8#petrov#", extra=address)),
    ).encode())  # fmt: skip

    pipelines = dict(ShopOrder.objects.values_list("external_id", "deal__pipeline"))
    assert pipelines == {"1": moscow.pk, "2": shop.pipeline_id}
