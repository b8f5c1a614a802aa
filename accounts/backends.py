from django.contrib.auth.backends import BaseBackend

from .policy import can_manage_settings


class SettingsRoleBackend(BaseBackend):
    """Administrators by role (settings: edit, all) hold every model permission the admin
    asks for, so roles stay the one source of rights. Authenticates nobody itself."""

    def _manages_settings(self, user) -> bool:
        # asked many times per admin page: remembered on this request's user object only,
        # so a changed role applies on the next request
        if not hasattr(user, "_manages_settings"):
            user._manages_settings = user.is_active and can_manage_settings(user)
        return user._manages_settings

    def has_perm(self, user_obj, perm, obj=None) -> bool:
        return obj is None and self._manages_settings(user_obj)

    def has_module_perms(self, user_obj, app_label) -> bool:
        return self._manages_settings(user_obj)
