from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SecurityConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "security"
    verbose_name = _("Bezpieczeństwo")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import m2m_changed, post_save

        from .roles import user_groups_changed, user_saved

        User = get_user_model()
        m2m_changed.connect(user_groups_changed, sender=User.groups.through, dispatch_uid="security.roles.groups")
        post_save.connect(user_saved, sender=User, dispatch_uid="security.roles.user")
