"""Every route of the project has an access rule, checked for three users: the responsible
manager, a manager of another department, and the head of the first department.

A new route without a rule here fails `test_every_route_has_an_access_rule`.
"""

import csv
import html
import importlib
import io

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import PermissionAction, PermissionEntity, Role, RolePermission
from tests.factories import DealFactory, sales_staff


def all_routes(patterns=None, namespace=""):
    """Every route as "namespace:name", or "namespace:<pattern>" when it has no name."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from all_routes(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield f"{namespace}{pattern.name or f'<{pattern.pattern}>'}"


# route (or a prefix ending in "*") -> the test below that checks it
RULES = {
    "home": "test_public_pages_answer_everybody",
    "healthz": "test_public_pages_answer_everybody",
    "set_language": "test_public_pages_answer_everybody",
    "login": "test_everybody_logs_in_and_out_on_the_site",
    "logout": "test_everybody_logs_in_and_out_on_the_site",
    "deals:export": "test_the_deal_export_follows_the_export_scope",
    "deals:board": "test_deal_lists_show_what_the_view_scope_allows",
    "deals:board-column": "test_deal_lists_show_what_the_view_scope_allows",
    "deals:list": "test_deal_lists_show_what_the_view_scope_allows",
    "deals:count": "test_deal_lists_show_what_the_view_scope_allows",
    "deals:detail": "test_deal_card_actions_follow_the_scopes",
    "deals:update": "test_deal_card_actions_follow_the_scopes",
    "deals:move-to-stage": "test_deal_card_actions_follow_the_scopes",
    "deals:delete": "test_deal_card_actions_follow_the_scopes",
    "deals:move-to-pipeline": "tests/deals/test_pipeline_move.py::test_the_card_offers_the_other_pipelines_stages_and_moves_the_deal",
    "api:deal-move-to-pipeline": "tests/deals/test_pipeline_move.py::test_the_api_verb_moves_within_the_scopes",
    "deals:mass-action": "test_deal_mass_actions_skip_what_the_scopes_forbid",
    "deals:create": "test_a_deal_is_created_only_for_someone_within_the_add_scope",
    "api:deal-list": "tests/deals/test_api.py::test_the_deal_list_and_detail_follow_the_view_scope",
    "api:deal-detail": "tests/deals/test_api.py::test_deal_changes_and_deletes_follow_the_scopes",
    "api:deal-move-to-stage": "tests/deals/test_api.py::test_deal_changes_and_deletes_follow_the_scopes",
    "api:api-root": "tests/test_api_schema.py::test_the_api_root_needs_a_login_the_schema_and_docs_are_public",
    "api:schema": "tests/test_api_schema.py::test_the_api_root_needs_a_login_the_schema_and_docs_are_public",
    "api:docs": "tests/test_api_schema.py::test_the_api_root_needs_a_login_the_schema_and_docs_are_public",
    "api:not-found": "tests/test_api_schema.py::test_an_unknown_api_path_answers_the_json_404",
    # leads routes
    "api:lead-list": "tests/leads/test_api.py::test_the_lead_list_and_detail_follow_the_view_scope",
    "api:lead-detail": "tests/leads/test_api.py::test_lead_changes_verbs_and_deletes_follow_the_scopes",
    "api:lead-set-status": "tests/leads/test_api.py::test_lead_changes_verbs_and_deletes_follow_the_scopes",
    "api:lead-convert": "tests/leads/test_api.py::test_lead_changes_verbs_and_deletes_follow_the_scopes",
    "api:lead-merge": "tests/leads/test_api.py::test_lead_changes_verbs_and_deletes_follow_the_scopes",
    "leads:board": "tests/leads/test_views.py::test_lead_lists_show_what_the_view_scope_allows",
    "leads:board-column": "tests/leads/test_views.py::test_lead_lists_show_what_the_view_scope_allows",
    "leads:list": "tests/leads/test_views.py::test_lead_lists_show_what_the_view_scope_allows",
    "leads:count": "tests/leads/test_views.py::test_lead_lists_show_what_the_view_scope_allows",
    "leads:detail": "tests/leads/test_views.py::test_lead_card_actions_follow_the_scopes",
    "leads:update": "tests/leads/test_views.py::test_lead_card_actions_follow_the_scopes",
    "leads:set-status": "tests/leads/test_views.py::test_lead_card_actions_follow_the_scopes",
    "leads:convert": "tests/leads/test_views.py::test_lead_card_actions_follow_the_scopes",
    "leads:delete": "tests/leads/test_views.py::test_lead_card_actions_follow_the_scopes",
    "leads:mass-action": "tests/leads/test_views.py::test_lead_mass_actions_skip_what_the_scopes_forbid",
    "leads:export": "tests/leads/test_views.py::test_the_lead_export_follows_the_export_scope",
    "leads:create": "tests/leads/test_views.py::test_a_lead_is_created_only_for_someone_within_the_add_scope",
    # contacts routes
    "api:contact-list": "tests/contacts/test_api.py::test_the_lists_and_details_follow_the_view_scope",
    "api:contact-detail": "tests/contacts/test_api.py::test_changes_merges_and_deletes_follow_the_scopes",
    "api:contact-merge": "tests/contacts/test_api.py::test_changes_merges_and_deletes_follow_the_scopes",
    "api:company-list": "tests/contacts/test_api.py::test_the_lists_and_details_follow_the_view_scope",
    "api:company-detail": "tests/contacts/test_api.py::test_changes_merges_and_deletes_follow_the_scopes",
    "api:company-merge": "tests/contacts/test_api.py::test_changes_merges_and_deletes_follow_the_scopes",
    "contacts:list": "tests/contacts/test_views.py::test_lists_show_what_the_view_scope_allows",
    "contacts:count": "tests/contacts/test_views.py::test_lists_show_what_the_view_scope_allows",
    "contacts:mass-action": "tests/contacts/test_views.py::test_mass_actions_skip_what_the_scopes_forbid",
    "contacts:export": "tests/contacts/test_views.py::test_the_exports_follow_the_export_scope",
    "contacts:create": "tests/contacts/test_views.py::test_items_are_created_only_for_someone_within_the_add_scope",
    "contacts:detail": "tests/contacts/test_views.py::test_contact_card_actions_follow_the_scopes",
    "contacts:update": "tests/contacts/test_views.py::test_contact_card_actions_follow_the_scopes",
    "contacts:communications": "tests/contacts/test_views.py::test_contact_card_actions_follow_the_scopes",
    "contacts:delete": "tests/contacts/test_views.py::test_contact_card_actions_follow_the_scopes",
    "contacts:company-list": "tests/contacts/test_views.py::test_lists_show_what_the_view_scope_allows",
    "contacts:company-count": "tests/contacts/test_views.py::test_lists_show_what_the_view_scope_allows",
    "contacts:company-mass-action": "tests/contacts/test_views.py::test_mass_actions_skip_what_the_scopes_forbid",
    "contacts:company-export": "tests/contacts/test_views.py::test_the_exports_follow_the_export_scope",
    "contacts:company-create": "tests/contacts/test_views.py::test_items_are_created_only_for_someone_within_the_add_scope",
    "contacts:company-detail": "tests/contacts/test_views.py::test_company_card_actions_follow_the_scopes",
    "contacts:company-update": "tests/contacts/test_views.py::test_company_card_actions_follow_the_scopes",
    "contacts:company-communications": "tests/contacts/test_views.py::test_company_card_actions_follow_the_scopes",
    "contacts:company-delete": "tests/contacts/test_views.py::test_company_card_actions_follow_the_scopes",
    "contacts:duplicates": "tests/contacts/test_duplicates.py::test_the_list_is_empty_for_a_manager_who_sees_one_record_of_a_group",
    "contacts:duplicates-check": "tests/contacts/test_duplicates.py::test_the_live_check_names_only_the_visible_records_with_the_typed_phone",
    "contacts:duplicates-merge": "tests/contacts/test_duplicates.py::test_a_merge_needs_sight_of_all_and_the_rights_on_them",
    "contacts:client-search": "tests/contacts/test_views.py::test_client_endpoints_need_the_edit_right_on_the_deal",
    "contacts:client-attach": "tests/contacts/test_views.py::test_client_endpoints_need_the_edit_right_on_the_deal",
    "contacts:client-detach": "tests/contacts/test_views.py::test_client_endpoints_need_the_edit_right_on_the_deal",
    "contacts:client-create": "tests/contacts/test_views.py::test_client_endpoints_need_the_edit_right_on_the_deal",
    # catalog routes
    "api:product-list": "tests/catalog/test_api.py::test_the_product_list_and_detail_are_open_to_every_product_scope",
    "api:product-detail": "tests/catalog/test_api.py::test_product_writes_follow_the_product_scopes",
    "api:section-list": "tests/catalog/test_api.py::test_the_section_tree_is_a_flat_list_with_parent_and_depth",
    "api:section-detail": "tests/catalog/test_api.py::test_sections_are_created_renamed_and_moved_within_the_product_scopes",
    "api:section-move": "tests/catalog/test_api.py::test_sections_are_created_renamed_and_moved_within_the_product_scopes",
    "api:currency-list": "tests/catalog/test_api.py::test_currencies_are_read_by_everybody_signed_in",
    "api:currency-detail": "tests/catalog/test_api.py::test_currencies_are_read_by_everybody_signed_in",
    "api:currency-set-rate": "tests/catalog/test_api.py::test_a_rate_is_set_only_by_those_who_manage_the_settings",
    "api:deal-product-rows-list": "tests/catalog/test_api.py::test_product_rows_are_read_and_replaced_within_the_owner_scopes",
    "api:lead-product-rows-list": "tests/catalog/test_api.py::test_product_rows_are_read_and_replaced_within_the_owner_scopes",
    "api:pipeline-list": "tests/deals/test_api_pipelines.py::test_a_pipeline_is_created_only_by_those_who_manage_the_settings",
    "api:pipeline-detail": "tests/deals/test_api_pipelines.py::test_pipelines_are_read_by_everybody_with_their_stages_in_order",
    "api:stage-list": "tests/deals/test_api_pipelines.py::test_stages_are_listed_and_filtered_without_the_ones_closed_to_the_user",
    "api:stage-detail": "tests/deals/test_api_pipelines.py::test_stages_are_listed_and_filtered_without_the_ones_closed_to_the_user",
    "api:lead-status-list": "tests/leads/test_api_reference.py::test_reference_data_is_created_and_changed_only_by_settings_managers",
    "api:lead-status-detail": "tests/leads/test_api_reference.py::test_reference_data_is_created_and_changed_only_by_settings_managers",
    "api:source-list": "tests/leads/test_api_reference.py::test_reference_data_is_created_and_changed_only_by_settings_managers",
    "api:source-detail": "tests/leads/test_api_reference.py::test_reference_data_is_created_and_changed_only_by_settings_managers",
    "api:campaign-list": "tests/leads/test_api_reference.py::test_reference_data_is_created_and_changed_only_by_settings_managers",
    "api:campaign-detail": "tests/leads/test_api_reference.py::test_reference_data_is_created_and_changed_only_by_settings_managers",
    "api:user-list": "tests/accounts/test_api.py::test_active_users_are_listed_for_everybody_without_secrets",
    "api:user-detail": "tests/accounts/test_api.py::test_active_users_are_listed_for_everybody_without_secrets",
    "api:department-list": "tests/accounts/test_api.py::test_the_departments_are_a_flat_tree_with_parent_depth_and_head",
    "api:department-detail": "tests/accounts/test_api.py::test_the_departments_are_a_flat_tree_with_parent_depth_and_head",
    "catalog:section-list": "tests/catalog/test_views.py::test_catalog_pages_need_a_product_view_scope",
    "catalog:section-create": "tests/catalog/test_views.py::test_section_changes_need_the_product_add_or_edit_scope",
    "catalog:section-update": "tests/catalog/test_views.py::test_section_changes_need_the_product_add_or_edit_scope",
    "catalog:product-list": "tests/catalog/test_views.py::test_catalog_pages_need_a_product_view_scope",
    "catalog:product-search": "tests/catalog/test_views.py::test_catalog_pages_need_a_product_view_scope",
    "catalog:product-create": "tests/catalog/test_views.py::test_product_create_and_update_are_refused_without_the_scope",
    "catalog:product-update": "tests/catalog/test_views.py::test_product_create_and_update_are_refused_without_the_scope",
    "catalog:product-mass-action": "tests/catalog/test_views.py::test_mass_actions_on_products_follow_the_edit_and_delete_scopes",
    "catalog:product-export": "tests/catalog/test_views.py::test_the_product_export_follows_the_export_scope_and_the_filters",
    "deals:product-rows": "tests/catalog/test_views.py::test_deal_rows_are_refused_out_of_sight_and_when_not_editable",
    "leads:product-rows": "tests/catalog/test_views.py::test_lead_rows_are_saved_and_refused_like_the_deal_ones",
    # activities routes
    "api:activity-list": "tests/activities/test_api.py::test_the_activity_list_and_detail_follow_the_activity_scope",
    "api:activity-detail": "tests/activities/test_api.py::test_activity_changes_completion_and_deletion_follow_the_activity_scope",
    "api:activity-complete": "tests/activities/test_api.py::test_activity_changes_completion_and_deletion_follow_the_activity_scope",
    "api:timeline-list": "tests/activities/test_api.py::test_an_item_timeline_is_read_and_commented_within_the_item_scope",
    "api:notification-list": "tests/activities/test_api.py::test_notifications_are_private",
    "api:notification-detail": "tests/activities/test_api.py::test_notifications_are_private",
    "api:notification-read": "tests/activities/test_api.py::test_notifications_are_private",
    "api:notification-read-all": "tests/activities/test_api.py::test_notifications_come_unread_first_and_are_all_marked_read_at_once",
    "activities:list": "tests/activities/test_views.py::test_the_activities_page_shows_my_plan_in_bounded_queries",
    "activities:notifications": "tests/activities/test_views.py::test_the_notifications_page_shows_my_rows_unread_first_in_bounded_queries",
    "activities:notification-open": "tests/activities/test_views.py::test_nobody_opens_or_marks_somebody_elses_notification",
    "activities:notifications-read-all": "tests/activities/test_views.py::test_nobody_opens_or_marks_somebody_elses_notification",
    "activities:entity": "tests/activities/test_views.py::test_the_activity_block_follows_the_item_scopes",
    "activities:create": "tests/activities/test_views.py::test_the_activity_block_follows_the_item_scopes",
    "activities:complete": "tests/activities/test_views.py::test_an_item_seen_but_not_editable_refuses_with_403",
    "accounts:role*": "test_the_role_editor_is_for_administrators_only",
    "accounts:filter-*": "test_saved_filters_are_private",
    "accounts:tokens": "tests/accounts/test_role_editor.py::test_a_user_makes_a_token_sees_it_once_and_revokes_it",
    "accounts:share": "test_sharing_is_for_those_who_may_edit_the_item",
    "b24:*": "tests/b24/test_endpoint.py::test_query_string_arrays_and_the_ar_prefix_list_what_the_manager_sees",
    "b24_settings:webhooks": "tests/b24/test_settings.py::test_a_user_makes_a_webhook_sees_its_address_once_and_revokes_it",
    "webhooks:*": "tests/webhooks/test_views.py::test_webhook_settings_are_for_administrators_only",
    "automation:*": "tests/automation/test_editor.py::test_the_automation_editor_is_for_administrators_only",
    "automation_hooks:fire": "tests/automation/test_inbound_hook.py::test_only_the_right_token_of_an_active_trigger_moves_the_item",
    "admin:*": "test_the_admin_is_closed_to_staff_without_the_flag",
    "api:shop-order-list": "tests/shopsync/test_api.py::test_only_a_shop_token_pushes_orders",
    "shopsync:deal-order*": "tests/shopsync/test_crm_changes.py::test_the_shop_order_panel_and_sending_follow_the_deal_scope",
    "shopsync:*": "tests/shopsync/test_views.py::test_shop_settings_are_for_administrators_only",
    "mailboxes:*": "tests/mailboxes/test_views.py::test_mailbox_settings_are_for_administrators_only",
    # reports routes
    "reports:index": "tests/reports/test_views.py::test_the_report_pages_and_api_need_the_report_right_and_count_only_own_figures",
    "reports:detail": "tests/reports/test_views.py::test_the_report_pages_and_api_need_the_report_right_and_count_only_own_figures",
    "reports:export": "tests/reports/test_views.py::test_the_report_pages_and_api_need_the_report_right_and_count_only_own_figures",
    "api:report-list": "tests/reports/test_views.py::test_the_report_pages_and_api_need_the_report_right_and_count_only_own_figures",
    "api:report-detail": "tests/reports/test_views.py::test_the_report_pages_and_api_need_the_report_right_and_count_only_own_figures",
    # report builder routes
    "reports:builder": "tests/reports/test_builder.py::test_the_builder_and_saved_reports_need_the_report_right",
    "reports:saved-detail": "tests/reports/test_builder.py::test_a_saved_report_opens_to_its_owner_and_role_holders_only",
    "reports:saved-export": "tests/reports/test_builder.py::test_a_saved_report_opens_to_its_owner_and_role_holders_only",
    "reports:saved-update": "tests/reports/test_builder.py::test_a_saved_report_opens_to_its_owner_and_role_holders_only",
    "reports:saved-delete": "tests/reports/test_builder.py::test_a_saved_report_opens_to_its_owner_and_role_holders_only",
    "api:saved-report-detail": "tests/reports/test_builder.py::test_a_saved_report_opens_to_its_owner_and_role_holders_only",
    # CSV import routes
    "imports:*": "tests/imports/test_views.py::test_imports_are_private_and_need_the_import_right",
    # web form routes
    "webforms:public": "tests/webforms/test_views.py::test_the_public_form_is_open_to_everybody",
    "webforms:submissions*": "tests/webforms/test_views.py::test_the_review_list_needs_the_lead_add_right",
    "webforms:*": "tests/webforms/test_views.py::test_webform_settings_are_for_administrators_only",
}


def rule_for(route: str) -> str | None:
    for key, test in RULES.items():
        if route == key or (key.endswith("*") and route.startswith(key[:-1])):
            return test
    return None


def test_every_route_has_an_access_rule():
    uncovered = [route for route in all_routes() if rule_for(route) is None]
    assert uncovered == [], f"routes without an access rule in {__name__}.RULES: {uncovered}"


def test_every_rule_names_a_test_that_exists():
    """A rule is only as good as its test: a renamed or deleted test fails here."""
    missing = []
    for test in set(RULES.values()):
        path, _sep, name = test.rpartition("::")
        module = path.removesuffix(".py").replace("/", ".") if path else __name__
        if not hasattr(importlib.import_module(module), name):
            missing.append(test)
    assert missing == []


@pytest.fixture
def people(db):
    """Wholesale (with a team below it) and retail; a deal of the wholesale manager's."""
    users = sales_staff(entities=[PermissionEntity.DEAL])
    deals = {
        "responsible": DealFactory(title="Responsible's order", responsible=users["responsible"]),
        "other": DealFactory(title="Other's order", responsible=users["other"]),
    }
    return users, deals


def test_public_pages_answer_everybody(client, people):
    users, _ = people
    for user in [None, *users.values()]:
        if user:
            client.force_login(user)
        assert client.get(reverse("home")).status_code == 200
        assert client.get(reverse("healthz")).status_code == 200
        assert client.post(reverse("set_language"), {"language": "en"}).status_code == 302


def exported_titles(client, user) -> set[str]:
    client.force_login(user)
    response = client.get(reverse("deals:export"))
    assert response.status_code == 200
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return {row["Title"] for row in csv.DictReader(io.StringIO(text))}


@pytest.mark.parametrize(
    ("user", "expected"),
    [("responsible", {"Responsible's order"}), ("other", {"Other's order"}),
     ("head", {"Responsible's order"})],
)  # fmt: skip
def test_the_deal_export_follows_the_export_scope(client, people, user, expected):
    users, _ = people

    assert exported_titles(client, users[user]) == expected


def test_the_deal_export_needs_a_login_and_the_export_right(client, people):
    users, _ = people
    assert client.get(reverse("deals:export")).status_code == 302

    RolePermission.objects.filter(role__name="Manager", action=PermissionAction.EXPORT).update(
        scope="none"
    )

    assert exported_titles(client, users["responsible"]) == set()


def admin_urls(deal):
    for model in admin.site._registry:
        info = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        yield reverse(f"{info}_changelist")
        yield reverse(f"{info}_add")
    yield reverse("admin:deals_deal_change", args=[deal.pk])
    yield reverse("admin:deals_deal_delete", args=[deal.pk])
    yield reverse("admin:deals_deal_history", args=[deal.pk])
    yield reverse("admin:index")


def test_the_admin_is_closed_to_staff_without_the_flag(client, people):
    users, deals = people
    for user in users.values():
        client.force_login(user)
        for url in admin_urls(deals["responsible"]):
            response = client.get(url)
            assert response.status_code == 302 and "/admin/login/" in response["Location"], url
        response = client.post(
            reverse("admin:deals_deal_delete", args=[deals["responsible"].pk]), {"post": "yes"}
        )
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_role_editor_is_for_administrators_only(client, people):
    users, _ = people
    role = Role.objects.get(name="Manager")
    urls = [reverse("accounts:roles"), reverse("accounts:role-create"),
            reverse("accounts:role-update", args=[role.pk])]  # fmt: skip
    for user in users.values():
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user, url)
        assert client.post(urls[2], {"name": "Taken over"}).status_code == 403
    role.refresh_from_db()
    assert role.name == "Manager"
    client.logout()
    assert client.get(urls[0]).status_code == 302  # to the login page


def test_staff_without_the_settings_right_stay_out_of_the_admin(client, people):
    users, deals = people
    staff = users["head"]
    staff.is_staff = True
    staff.save()
    client.force_login(staff)

    assert client.get(reverse("admin:deals_deal_changelist")).status_code == 302

    settings_role = Role.objects.create(name="Administrator")
    RolePermission.objects.create(
        role=settings_role, entity=PermissionEntity.SETTINGS, action="edit", scope="all"
    )
    staff.roles.add(settings_role)
    assert client.get(reverse("admin:deals_deal_changelist")).status_code == 200


def test_everybody_logs_in_and_out_on_the_site(client, people):
    users, _ = people
    for user in users.values():
        user.set_password("right-password")
        user.save()
        assert client.get(reverse("login")).status_code == 200

        wrong = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
        assert wrong.status_code == 200 and "_auth_user_id" not in client.session

        right = client.post(
            reverse("login"), {"username": user.username, "password": "right-password"}
        )
        assert right.status_code == 302 and right["Location"] == reverse("deals:board")
        assert client.session["_auth_user_id"] == str(user.pk)

        assert client.post(reverse("logout")).status_code == 302
        assert "_auth_user_id" not in client.session


def test_repeated_wrong_passwords_lock_the_login_for_a_while(client, people, settings):
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 3
    user = people[0]["responsible"]
    user.set_password("right-password")
    user.save()
    for _ in range(3):
        client.post(reverse("login"), {"username": user.username, "password": "wrong"})

    locked = client.post(
        reverse("login"), {"username": user.username, "password": "right-password"}
    )

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session


# Who sees which deal: the responsible manager their own, the other manager theirs, the head of
# the first department the responsible's (a sub-department's), not the other's.
VISIBLE = {"responsible": {"responsible"}, "other": {"other"}, "head": {"responsible"}}


def titles_on(response) -> set[str]:
    text = html.unescape(response.content.decode())
    return {title for title in ("Responsible's order", "Other's order") if title in text}


@pytest.mark.parametrize("user", VISIBLE)
def test_deal_lists_show_what_the_view_scope_allows(client, people, user):
    users, deals = people
    client.force_login(users[user])
    expected = {deals[owner].title for owner in VISIBLE[user]}
    stage = deals["responsible"].stage

    assert titles_on(client.get(reverse("deals:board"))) == expected
    assert titles_on(client.get(reverse("deals:list"))) == expected
    assert client.get(reverse("deals:count")).json() == {"count": len(expected)}
    far_future = "2999-01-01T00:00:00+00:00_1"
    column = client.get(reverse("deals:board-column", args=[stage.pk]), {"after": far_future})
    assert titles_on(column) == expected


@pytest.mark.parametrize("user", VISIBLE)
@pytest.mark.parametrize("owner", ["responsible", "other"])
def test_deal_card_actions_follow_the_scopes(client, people, user, owner):
    users, deals = people
    deal = deals[owner]
    client.force_login(users[user])
    allowed = owner in VISIBLE[user]  # each role has the same scope for every action
    expected = 200 if allowed else 404
    won = deal.pipeline.stages.get(semantics="won")

    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == expected
    update = client.post(f"{reverse('deals:update', args=[deal.pk])}?field=title", {"title": "X"})
    assert update.status_code == expected
    move = client.post(
        reverse("deals:move-to-stage", args=[deal.pk]),
        {"stage": won.pk},
        headers={"Accept": "application/json"},
    )
    assert move.status_code == expected
    deal.refresh_from_db()
    assert (deal.title, deal.stage_id == won.pk) == (
        ("X", True) if allowed else (deal.title, False)
    )

    delete = client.post(reverse("deals:delete", args=[deal.pk]))
    assert delete.status_code == (302 if allowed else 404)
    assert type(deal).objects.filter(pk=deal.pk).exists() is not allowed


def test_deal_card_refuses_what_the_role_sees_but_may_not_change(client, people):
    users, deals = people
    RolePermission.objects.filter(
        role__name="Manager", action__in=[PermissionAction.EDIT, PermissionAction.DELETE]
    ).update(scope="none")
    deal = deals["responsible"]
    client.force_login(users["responsible"])

    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 200
    update = client.post(f"{reverse('deals:update', args=[deal.pk])}?field=title", {"title": "X"})
    assert update.status_code == 403
    assert client.post(reverse("deals:delete", args=[deal.pk])).status_code == 403
    deal.refresh_from_db()
    assert deal.title == "Responsible's order"


@pytest.mark.parametrize("user", VISIBLE)
def test_deal_mass_actions_skip_what_the_scopes_forbid(client, people, user):
    users, deals = people
    client.force_login(users[user])
    ids = [deals["responsible"].pk, deals["other"].pk]

    client.post(reverse("deals:mass-action"), {"action": "assign", "ids": ids,
                                               "responsible": users[user].pk})  # fmt: skip
    client.post(reverse("deals:mass-action"), {"action": "delete", "ids": ids})

    remaining = set(type(deals["other"]).objects.values_list("title", flat=True))
    assert remaining == {deal.title for owner, deal in deals.items() if owner not in VISIBLE[user]}


def test_a_deal_is_created_only_for_someone_within_the_add_scope(client, people):
    users, deals = people
    first = deals["responsible"].pipeline.stages.order_by("sort").first()
    client.force_login(users["responsible"])
    form = {"title": "New", "stage": first.pk, "currency": "RUB", "amount": "10",
            "deal_type": "sale", "responsible": users["other"].pk}  # fmt: skip

    refused = client.post(reverse("deals:create"), form)
    assert "does not let you give this deal" in refused.content.decode()
    assert not type(deals["other"]).objects.filter(title="New").exists()

    created = client.post(reverse("deals:create"), form | {"responsible": users["responsible"].pk})
    assert created.status_code == 302
    client.force_login(users["head"])  # the head may give deals to the team below
    assert client.post(reverse("deals:create"), form | {"title": "By the head",
                       "responsible": users["responsible"].pk}).status_code == 302  # fmt: skip
    assert client.post(reverse("deals:create"), form | {"title": "For retail"}).status_code == 200
    assert not type(deals["other"]).objects.filter(title="For retail").exists()


def test_saved_filters_are_private(client, people):
    users, _ = people
    client.force_login(users["responsible"])
    client.post(reverse("accounts:filter-save"),
                {"list_key": "deals", "name": "Big", "query": "amount_min=100&page=3",
                 "next": "/deals/list/"})  # fmt: skip
    saved = users["responsible"].saved_filters.get()
    assert saved.query == "amount_min=100"

    client.force_login(users["other"])
    response = client.post(reverse("accounts:filter-delete", args=[saved.pk]), {"next": "/"})

    assert response.status_code == 404
    assert users["responsible"].saved_filters.count() == 1


@pytest.mark.parametrize("user", VISIBLE)
def test_sharing_is_for_those_who_may_edit_the_item(client, people, user):
    users, deals = people
    client.force_login(users[user])
    for owner, deal in deals.items():
        url = reverse("accounts:share", args=["deal", deal.pk])
        allowed = owner in VISIBLE[user]
        colleague = users["other"] if user != "other" else users["responsible"]

        assert client.get(url).status_code == (200 if allowed else 404)
        shared = client.post(url, {"colleague": colleague.pk, "can_edit": "on"})
        assert shared.status_code == (200 if allowed else 404)

        assert colleague.has_perm("deals.change_deal", deal) is allowed
    assert client.get(reverse("accounts:share", args=["robot", 1])).status_code == 404


def test_a_shared_deal_opens_to_the_colleague_and_closes_again(client, people):
    users, deals = people
    deal, other = deals["responsible"], users["other"]
    client.force_login(users["responsible"])
    url = reverse("accounts:share", args=["deal", deal.pk])
    client.post(url, {"colleague": other.pk})
    client.force_login(other)
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 200
    assert client.post(url, {"revoke": other.pk}).status_code == 403  # sees it, may not edit

    client.force_login(users["responsible"])
    client.post(url, {"revoke": other.pk})

    client.force_login(other)
    assert client.get(reverse("deals:detail", args=[deal.pk])).status_code == 404
