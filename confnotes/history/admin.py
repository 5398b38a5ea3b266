"""`HistoryAdmin`: django-reversion's VersionAdmin with confnotes' history pages.

- History: every version, newest first, with who saved it, when and why; two
  columns of radio buttons choose the versions to compare.
- Compare: any two versions of the object, field by field, with line diffs.
- Restore (reversion's revision page) and recover (deleted objects): the form shows
  the object as it was; saving it saves a new revision. Only that object and
  the rows it follows are restored, never the rest of its revision.
- Deleting through the admin first stores a version of everything deleted.
"""

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from reversion import add_to_revision, is_active, set_comment
from reversion.admin import VersionAdmin
from reversion.models import Version

from confnotes.history.compare import compare
from confnotes.history.versions import (
    RestoreError,
    record_deletion,
    record_revision,
    restore,
    versions_of,
)


def _record_language():
    """The language of the comments a revision keeps: the site's own, whoever saves
    (the history is a record, read alike in every language of the admin)."""
    return translation.override(settings.LANGUAGE_CODE)


class _Preview(Exception):
    """Ends a restore's preview: its changes are rolled back, its page is shown."""

    def __init__(self, response):
        self.response = response


def revision_label(revision) -> str:
    """“2 Dec 2026, 10:04 by ada”: when a revision was saved, and by whom."""
    when = date_format(localtime(revision.date_created), "DATETIME_FORMAT")
    # Translators: when a version was saved, and by whom: "2 Dec 2026, 10:04 by ada".
    return _("%(when)s by %(who)s") % {"when": when, "who": who(revision)}


def who(revision) -> str:
    user = revision.user
    if user is None:
        return _("no account (a command)")
    full_name = user.get_full_name()
    return f"{user.get_username()} ({full_name})" if full_name else user.get_username()


class HistoryAdmin(VersionAdmin):
    object_history_template = "admin/history/object_history.html"
    revision_form_template = "admin/history/revision_form.html"
    recover_form_template = "admin/history/recover_form.html"
    recover_list_template = "admin/history/recover_list.html"
    history_latest_first = True

    def __init__(self, model, admin_site):
        # The apps register their models with confnotes.history.versions.register();
        # VersionAdmin's __init__ would guess registrations from the inlines instead.
        admin.ModelAdmin.__init__(self, model, admin_site)

    def get_urls(self):
        opts = self.opts
        compare_url = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name=f"{opts.app_label}_{opts.model_name}_compare",
        )
        return [compare_url, *super().get_urls()]

    def _history_url(self, name: str, *args) -> str:
        opts = self.opts
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}", args=args
        )

    def _viewable(self, request, object_id):
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(f"No {self.opts.verbose_name} with the key “{unquote(object_id)}”.")
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _context(self, request, obj, title: str) -> dict:
        return {
            **self.admin_site.each_context(request),
            "title": title,
            "subtitle": None,
            "object": obj,
            "opts": self.opts,
            "module_name": str(capfirst(self.opts.verbose_name_plural)),
            "preserved_filters": self.get_preserved_filters(request),
        }

    # -- Pages ------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        obj = self._viewable(request, object_id)
        versions = list(versions_of(self.model, obj.pk))
        rows = []
        for n, version in enumerate(versions):
            older = versions[n + 1] if n + 1 < len(versions) else None
            compare_url = self._history_url("compare", quote(str(obj.pk)))
            rows.append(
                {
                    "version": version,
                    "revision": version.revision,
                    "when": date_format(
                        localtime(version.revision.date_created), "DATETIME_FORMAT"
                    ),
                    "who": who(version.revision),
                    "comment": version.revision.get_comment(),
                    "restore_url": self._history_url("revision", quote(str(obj.pk)), version.pk),
                    "changes_url": f"{compare_url}?from={older.pk}&to={version.pk}"
                    if older
                    else "",
                    "compare_from": n == 1,
                    "compare_to": n == 0,
                }
            )
        context = {
            **self._context(request, obj, _("Change history: %(object)s") % {"object": obj}),
            "rows": rows,
            "compare_url": self._history_url("compare", quote(str(obj.pk))),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    def compare_view(self, request, object_id):
        obj = self._viewable(request, object_id)
        history_url = self._history_url("history", quote(str(obj.pk)))
        try:
            wanted = {int(request.GET["from"]), int(request.GET["to"])}
        except (KeyError, ValueError):
            wanted = set()
        versions = list(versions_of(self.model, obj.pk).filter(pk__in=wanted))
        if len(wanted) != 2 or len(versions) != 2:
            message = _("Choose two different versions of this %(name)s to compare.")
            messages.error(request, message % {"name": self.opts.verbose_name})
            return redirect(history_url)
        before, after = sorted(versions, key=lambda v: (v.revision.date_created, v.pk))
        sides = [
            {
                "version": version,
                "when": date_format(localtime(version.revision.date_created), "DATETIME_FORMAT"),
                "who": who(version.revision),
                "comment": version.revision.get_comment(),
                "restore_url": self._history_url("revision", quote(str(obj.pk)), version.pk),
            }
            for version in (before, after)
        ]
        changes = compare(before, after)
        context = {
            **self._context(request, obj, _("Compare versions of %(object)s") % {"object": obj}),
            "before": sides[0],
            "after": sides[1],
            "short_changes": [c for c in changes if c.lines is None],
            "long_changes": [c for c in changes if c.lines is not None],
            "history_url": history_url,
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, "admin/history/compare.html", context)

    def kept_on_restore(self, request, current) -> dict:
        """Field values that a restore by this user leaves as they are (`current`, or
        None when a deleted object is recovered): what the user may not change
        (a note's publication, for a writer) is not changed through an old version."""
        return {}

    def revision_view(self, request, object_id, version_id, extra_context=None):
        versions = versions_of(self.model, unquote(object_id))
        version = versions.filter(pk=version_id).first()
        if version is None:
            raise Http404("No such version.")
        current = self.get_object(request, unquote(object_id))
        if current is None or not self.has_change_permission(request, current):
            raise PermissionDenied  # checked on the object as it is, not only as restored
        context = {
            "title": _("Restore %(object)s") % {"object": version.object_repr},
            "revert": True,
            "version_label": revision_label(version.revision),
            **(extra_context or {}),
        }
        with _record_language():
            comment = f"Restored the version of {revision_label(version.revision)}."
        return self._restore_view(request, version, self.revision_form_template, context, comment)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = (
            (self._deleted_versions().select_related("revision__user", "content_type"))
            .filter(pk=version_id)
            .first()
        )
        if version is None:
            raise Http404("No deleted object has this version.")
        context = {
            "title": _("Recover %(object)s") % {"object": version.object_repr},
            "recover": True,
            "version_label": revision_label(version.revision),
            **(extra_context or {}),
        }
        with _record_language():
            comment = f"Recovered, as it was on {revision_label(version.revision)}."
        return self._restore_view(request, version, self.recover_form_template, context, comment)

    def changelist_view(self, request, extra_context=None):
        if request.method == "POST":  # list_editable saves: a revision, as VersionAdmin does
            return super().changelist_view(request, extra_context)
        # Reading a list opens no revision (nor its transaction): the list's queries stay
        # what they were. The "Recover deleted" link asks for has_change_permission.
        context = {"has_change_permission": self.has_change_permission(request)}
        return admin.ModelAdmin.changelist_view(self, request, {**context, **(extra_context or {})})

    def recoverlist_view(self, request, extra_context=None):
        context = {"deleted_rows": self._deleted_rows(), **(extra_context or {})}
        return super().recoverlist_view(request, context)

    def _deleted_versions(self):
        return Version.objects.get_deleted(self.model)

    def _deleted_rows(self):
        versions = self._deleted_versions().select_related("revision__user")
        return [
            {
                "version": version,
                "when": date_format(localtime(version.revision.date_created), "DATETIME_FORMAT"),
                "who": who(version.revision),
                "comment": version.revision.get_comment(),
                "url": self._history_url("recover", version.pk),
            }
            for version in versions.order_by("-revision__date_created", "-pk")
        ]

    def _restore_view(self, request, version, template, context, comment):
        """The change form of the object as `version` has it: shown in a transaction
        that is rolled back (GET, or a form with errors), or saved (POST).

        Unlike VersionAdmin, a GET does not mute the model signals: muting is
        process-wide, and another thread's save meanwhile would leave its pages
        stale. A preview only costs the pages it touches one more rendering."""
        try:
            with transaction.atomic(using=version.db), self.create_revision(request):
                current = self.model._base_manager.filter(pk=version.object_id).first()
                kept = self.kept_on_restore(request, current)
                obj, skipped = restore(version)
                if kept:
                    self.model._base_manager.filter(pk=obj.pk).update(**kept)
                obj = self.get_object(request, str(obj.pk))
                if obj is None or not self.has_change_permission(request, obj):
                    raise PermissionDenied
                context = {**context, "skipped": skipped}
                object_id = quote(str(obj.pk))
                response = self.changeform_view(request, object_id, request.path, context)
                if request.method == "POST" and response.status_code == 302:
                    set_comment(comment)
                    for problem in skipped:
                        messages.warning(
                            request, _("Not restored: %(problem)s.") % {"problem": problem}
                        )
                elif response.status_code == 200:
                    response.template_name = template
                    response.render()
                    raise _Preview(response)
                else:
                    message = _("“%(object)s” could not be shown.")
                    raise RestoreError(message % {"object": version.object_repr})
        except RestoreError as exc:
            messages.error(request, _("Nothing was restored: %(problem)s.") % {"problem": exc})
            return redirect(self._history_url("changelist"))
        except _Preview as preview:
            return preview.response
        return response

    # -- What the admin saves and deletes ---------------------------------------------

    def log_addition(self, request, obj, message):
        entry = super().log_addition(request, obj, message)
        self.record_again(obj)
        return entry

    def log_change(self, request, obj, message):
        entry = super().log_change(request, obj, message)
        self.record_again(obj)
        return entry

    @staticmethod
    def record_again(obj) -> None:
        """The object and the rows it follows once everything of the form is saved:
        rows written past their signals (a note's default author) are in its version."""
        if is_active():
            add_to_revision(obj)

    def delete_model(self, request, obj):
        with _record_language():
            comment = f"Deleted “{obj}”."
        record_deletion([obj], comment=comment, user=request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        with transaction.atomic(using=queryset.db):
            objs = list(queryset)
            names = self.opts.verbose_name if len(objs) == 1 else self.opts.verbose_name_plural
            with _record_language():
                comment = f"Deleted {len(objs)} {names}."
            record_deletion(objs, comment=comment, user=request.user)
            super().delete_queryset(request, queryset)

    def record_change(self, request, pks, comment: str) -> None:
        """A revision for a change made past save() (a bulk action's update())."""
        record_revision(
            self.model._base_manager.filter(pk__in=list(pks)), comment=comment, user=request.user
        )
