"""The admin site: Django's, with titles and labels in correct Polish (and English).

Django builds "Select %s to change", "Change %s", "View %s" and "Add %s" from a model's
verbose name in the nominative: "Wybierz sprawa do zmiany". Polish needs the accusative
("Wybierz sprawę do zmiany"). Every model admin registered on this site, the project's and
third-party ones (auth, django-q2) alike, gets `AccusativeTitlesMixin`, which takes the
accusative from the catalogues: `pgettext("biernik", <verbose name as written in the
source>)`, the Polish catalogue holding the Polish form and the English one the English
noun. Without an entry the translated verbose name is used, as Django does.

Permission names are stored in English at migrate time ("Can change sprawa"); the
permission pickers show them rebuilt from the translated model names instead.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.auth.models import Permission
from django.urls import reverse_lazy
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext

from common.admin_dates import DateHierarchyQuerySet

ACCUSATIVE_CONTEXT = "biernik"

PERMISSION_ACTIONS = {
    "add": lambda noun: gettext("Może dodawać: %s") % noun,
    "change": lambda noun: gettext("Może zmieniać: %s") % noun,
    "delete": lambda noun: gettext("Może usuwać: %s") % noun,
    "view": lambda noun: gettext("Może oglądać: %s") % noun,
}


def accusative(opts) -> str:
    """The model's verbose name in the accusative, in the active language."""
    raw = str(opts.verbose_name_raw)
    form = pgettext(ACCUSATIVE_CONTEXT, raw)
    return str(opts.verbose_name) if form == raw and str(opts.verbose_name) != raw else form


def permission_label(permission: Permission) -> str:
    """ "Windykacja | sprawy | Może zmieniać: sprawy" in the reader's language."""
    model = permission.content_type.model_class()
    if model is None:
        return str(permission)
    opts = model._meta
    action, _sep, rest = permission.codename.partition("_")
    if action in PERMISSION_ACTIONS and rest == opts.model_name:
        name = PERMISSION_ACTIONS[action](opts.verbose_name_plural)
    else:
        name = gettext(permission.name)
    return f"{opts.app_config.verbose_name} | {opts.verbose_name_plural} | {name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return permission_label(obj)


class AccusativeTitlesMixin:
    """Page titles with the model name in the accusative (see the module docstring)."""

    def changelist_view(self, request, extra_context=None):
        noun = accusative(self.opts)
        if "_popup" in request.GET or "_popup" in request.POST:
            title = gettext("Wybierz %s") % noun
        elif self.has_change_permission(request):
            title = gettext("Wybierz %s do zmiany") % noun
        else:
            title = gettext("Wybierz %s do obejrzenia") % noun
        context = {"title": title, "add_title": gettext("Dodaj %s") % noun}
        context.update(extra_context or {})
        return super().changelist_view(request, context)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        request._custom_admin_title = bool(extra_context and "title" in extra_context)
        return super().changeform_view(request, object_id, form_url, extra_context)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if not getattr(request, "_custom_admin_title", False):  # a custom page keeps the title it was given
            noun = accusative(self.opts)
            if add:
                context["title"] = gettext("Dodaj %s") % noun
            elif self.has_change_permission(request, obj):
                context["title"] = gettext("Zmień %s") % noun
            else:
                context["title"] = gettext("Zobacz %s") % noun
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def action_checkbox(self, obj):
        """The row's checkbox as Django's `ModelAdmin.action_checkbox` writes it, without rendering a form
        widget through the template engine for each row (40 % of a 100-row list's rendering)."""
        label = format_html(gettext("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )

    def get_changelist(self, request, **kwargs):
        changelist = super().get_changelist(request, **kwargs)
        if issubclass(changelist, IndexFriendlyOrdering):
            return changelist
        return type(changelist.__name__, (IndexFriendlyOrdering, changelist), {})

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.remote_field.model is Permission:
            kwargs.setdefault("form_class", PermissionChoiceField)
            kwargs.setdefault("queryset", Permission.objects.select_related("content_type"))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class IndexFriendlyOrdering:
    """A ChangeList whose tie-breaker follows the sort's direction: (status, id) or (-status, -id);
    and whose date hierarchy reads through indexes (common.admin_dates) on every list.

    Django makes every list's order total by appending "-pk": sorting by a column ascending
    gives ORDER BY column ASC, id DESC, which no plain index serves, so PostgreSQL reads and sorts
    the whole table (300,000 e-mails) for one page. With the tie-breaker in the same direction
    as the first column, one index on (column, id) serves the list both ways.
    """

    def get_results(self, request):
        super().get_results(request)
        if self.date_hierarchy and not isinstance(self.queryset, DateHierarchyQuerySet):
            # Read after the results only by the date hierarchy: MIN/MAX and the periods through indexes.
            # A search that found more than its capped count (the e-mail log's) is dense: walk the index too.
            sparse = bool(self.query) and not getattr(self.paginator, "capped", False)
            self.queryset = DateHierarchyQuerySet(self.queryset, self.date_hierarchy, searched=sparse)

    def _get_deterministic_ordering(self, ordering):
        ordering = super()._get_deterministic_ordering(ordering)
        if len(ordering) > 1 and ordering[-1] == "-pk" and not _descending(ordering[0]):
            ordering[-1] = "pk"
        return ordering


def _descending(item) -> bool:
    if isinstance(item, str):
        return item.startswith("-")
    return bool(getattr(item, "descending", False))


class InvoiceTrackerAdminSite(admin.AdminSite):
    site_header = "InvoiceTracker"
    site_title = "InvoiceTracker"
    site_url = reverse_lazy("worklist:today")  # the admin's "view site": the clerk's worklist

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, AccusativeTitlesMixin):
            admin_class = type(admin_class.__name__, (AccusativeTitlesMixin, admin_class), {})
        return super().register(model_or_iterable, admin_class, **options)
