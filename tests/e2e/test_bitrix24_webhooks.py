"""A manager makes a Bitrix24 webhook in a real browser, a script calls it, and the manager
revokes it."""

import json
import re
import urllib.request

from playwright.sync_api import expect

from tests.factories import user_with_role


def test_a_manager_makes_a_webhook_a_script_uses_it_and_the_manager_revokes_it(log_in, pipeline):
    manager = user_with_role("manager", first_name="Anna")
    page = log_in(manager)

    page.goto("/settings/tokens/")
    page.get_by_role("link", name="Bitrix24 webhooks").click()
    page.get_by_label("Name").fill("Shop module")
    page.get_by_label("Users").check()
    page.get_by_role("button", name="Create a webhook").click()
    address = page.get_by_test_id("new-webhook").locator("code").first.inner_text()
    with urllib.request.urlopen(f"{address}user.current.json") as answer:  # noqa: S310 (ours)
        current = json.load(answer)["result"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Revoke").click()

    assert re.fullmatch(rf"http://[^/]+/rest/{manager.pk}/[0-9a-z]{{16}}/", address)
    assert (current["ID"], current["NAME"]) == (str(manager.pk), "Anna")
    expect(page.get_by_text("The webhook Shop module is revoked.")).to_be_visible()
    page.reload()
    expect(page.get_by_test_id("new-webhook")).to_have_count(0)
