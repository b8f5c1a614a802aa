from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class CRMAdminSite(admin.AdminSite):
    """The admin shows every row unscoped, so it is only for administrators: superusers and
    users whose roles may edit all settings (accounts.policy), and who are staff."""

    site_header = site_title = "CRM"

    def has_permission(self, request) -> bool:
        # imported here: this module loads with the app registry, before any model
        from accounts.policy import can_manage_settings

        return super().has_permission(request) and can_manage_settings(request.user)


class CRMAdminConfig(AdminConfig):
    default_site = "crm_project.admin_site.CRMAdminSite"
