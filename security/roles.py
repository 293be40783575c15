"""Membership of a role group opens the admin: no one has to tick "staff status" by hand.

The roles (cases/migrations/0003_roles.py) decide what a person may do; Django's admin also wants
`is_staff`. So joining "Staff" or "Managers" sets it (from either side of the relation, and again if
someone unticks it while the person keeps a role), and leaving the last role clears it, except for
superusers and for a staff status set by hand on someone who never held a role through us.
Connected in SecurityConfig.ready().
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

ROLE_GROUPS = ("Staff", "Managers")


def _in_a_role(user_ids) -> set[int]:
    User = get_user_model()
    return set(User.objects.filter(pk__in=user_ids, groups__name__in=ROLE_GROUPS).values_list("pk", flat=True))


def _sync(user_ids, *, role_left: bool) -> None:
    User = get_user_model()
    user_ids = set(user_ids)
    holding = _in_a_role(user_ids)
    if holding:
        User.objects.filter(pk__in=holding, is_staff=False).update(is_staff=True)
    if role_left and user_ids - holding:
        User.objects.filter(pk__in=user_ids - holding, is_superuser=False, is_staff=True).update(is_staff=False)


def user_groups_changed(sender, instance, action, reverse, model, pk_set, **kwargs):
    """m2m_changed on User.groups: `instance` is a user (pk_set: groups) or a group (pk_set: users)."""
    if action not in {"post_add", "post_remove", "pre_clear", "post_clear"}:
        return
    if action == "pre_clear":
        # Remember whom a clear touches and whether they lose a role (pk_set is None on clear).
        if isinstance(instance, Group):
            instance._role_clear = (list(instance.user_set.values_list("pk", flat=True)), instance.name in ROLE_GROUPS)
        else:
            instance._role_clear = ([instance.pk], instance.groups.filter(name__in=ROLE_GROUPS).exists())
        return
    if action == "post_clear":
        user_ids, role_left = getattr(instance, "_role_clear", ([], False))
        if user_ids:
            _sync(user_ids, role_left=role_left)
        return
    if isinstance(instance, Group):
        user_ids, touches_role = pk_set or set(), instance.name in ROLE_GROUPS
    else:
        user_ids = [instance.pk]
        touches_role = Group.objects.filter(pk__in=pk_set or (), name__in=ROLE_GROUPS).exists()
    if touches_role and user_ids:
        _sync(user_ids, role_left=action == "post_remove")


def user_saved(sender, instance, created, update_fields=None, **kwargs):
    """Someone unticked "staff status" on a person who still holds a role: it comes back."""
    if created or instance.is_staff or (update_fields and set(update_fields) <= {"last_login"}):
        return
    if _in_a_role([instance.pk]):
        _sync([instance.pk], role_left=False)
        instance.is_staff = True
