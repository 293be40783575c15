"""Membership of a role group opens the admin: no one has to tick "staff status" by hand.

The roles (cases/migrations/0003_roles.py) decide what a person may do; Django's admin also wants
`is_staff`. So joining "Staff" or "Managers" sets it (from either side of the relation, and again if
someone unticks it while the person keeps a role). Leaving a role does not clear it: an
administrator may have given the person permissions of their own, and someone without any
permission sees an empty admin; to shut a person out, deactivate the account.
Connected in SecurityConfig.ready().
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

ROLE_GROUPS = ("Staff", "Managers")


def _grant(user_ids) -> None:
    """Staff status for those of `user_ids` who hold a role and lack it."""
    get_user_model().objects.filter(pk__in=list(user_ids), groups__name__in=ROLE_GROUPS, is_staff=False).update(
        is_staff=True
    )


def user_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """m2m_changed on User.groups: `instance` is a user (pk_set: groups) or a group (pk_set: users)."""
    if action != "post_add" or not pk_set:
        return
    if isinstance(instance, Group):
        if instance.name in ROLE_GROUPS:
            _grant(pk_set)
    elif Group.objects.filter(pk__in=pk_set, name__in=ROLE_GROUPS).exists():
        _grant([instance.pk])


def user_saved(sender, instance, created, update_fields=None, **kwargs):
    """Someone unticked "staff status" on a person who still holds a role: it comes back."""
    if created or instance.is_staff or (update_fields and set(update_fields) <= {"last_login"}):
        return
    if instance.groups.filter(name__in=ROLE_GROUPS).exists():
        _grant([instance.pk])
        instance.is_staff = True
