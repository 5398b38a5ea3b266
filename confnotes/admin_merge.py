"""A "Merge ..." action for admin lists: the editor selects rows, a confirmation page
shows them side by side, the editor picks the one kept, and a POST merges.

The action and its page need the change and delete permissions on the model: the
action is not offered without them, and the page answers 403.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


class MergeForm(forms.Form):
    ids = forms.CharField(widget=forms.HiddenInput)
    keep = forms.TypedChoiceField(
        coerce=int,
        widget=forms.RadioSelect,
        label=gettext_lazy("Keep"),
        error_messages={"required": gettext_lazy("Choose the one to keep.")},
    )

    def __init__(self, *args, objects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["keep"].choices = [(obj.pk, str(obj)) for obj in objects]


class MergeAdminMixin:
    """For a ModelAdmin: add "merge_selected" to its `actions`, set `merge_template`
    and `merge_error`, and define `merge_columns(objects)` (what the page shows of
    each, in order) and `merge(request, keep=..., others=[...])` (does it, returns
    a message)."""

    merge_template = ""
    merge_error: type[Exception] = ValueError  # what `merge` raises when it cannot merge
    merge_min = 2
    merge_max: int | None = None

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_merge"
        view = self.admin_site.admin_view(self.merge_view)
        return [path("merge/", view, name=name), *super().get_urls()]

    def has_merge_permission(self, request) -> bool:
        return self.has_change_permission(request) and self.has_delete_permission(request)

    @admin.action(description=gettext_lazy("Merge %(verbose_name_plural)s"), permissions=["merge"])
    def merge_selected(self, request, queryset):
        pks = sorted(queryset.values_list("pk", flat=True))
        problem = self._count_problem(len(pks))
        if problem:
            self.message_user(request, problem, messages.ERROR)
            return None
        query = urlencode({"ids": ",".join(map(str, pks))})
        return HttpResponseRedirect(f"{self._url('merge')}?{query}")

    def merge_view(self, request):
        if not self.has_merge_permission(request):
            raise PermissionDenied
        data = request.POST if request.method == "POST" else request.GET
        objects, problem = self._selected(request, data.get("ids", ""))
        if problem:
            self.message_user(request, problem, messages.ERROR)
            return HttpResponseRedirect(self._url("changelist"))
        ids = ",".join(str(obj.pk) for obj in objects)
        form = MergeForm(
            request.POST if request.method == "POST" else None,
            objects=objects,
            initial={"ids": ids},
        )
        if form.is_valid():
            keep = next(obj for obj in objects if obj.pk == form.cleaned_data["keep"])
            others = [obj for obj in objects if obj.pk != keep.pk]
            try:
                message = self.merge(request, keep=keep, others=others)
            except self.merge_error as error:
                self.message_user(request, str(error), messages.ERROR)
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(self._url("change", keep.pk))
        plural = self.opts.verbose_name_plural
        context = {
            **self.admin_site.each_context(request),
            "title": _("Merge %(names)s") % {"names": plural},
            "subtitle": None,
            "opts": self.opts,
            "form": form,
            # One column per row to merge: its "keep" radio button and what it holds.
            "columns": [
                {"object": obj, "radio": radio, **column}
                for obj, radio, column in zip(
                    objects, form["keep"], self.merge_columns(objects), strict=True
                )
            ],
        }
        return TemplateResponse(request, self.merge_template, context)

    def _selected(self, request, ids: str):
        """The rows named by "3,7" (in the model's order), or a problem to tell."""
        try:
            pks = {int(pk) for pk in ids.split(",")}
        except ValueError:
            pks = set()
        problem = self._count_problem(len(pks))
        if problem:
            return [], problem
        ordering = self.get_ordering(request) or ["pk"]
        objects = list(self.model._default_manager.filter(pk__in=pks).order_by(*ordering))
        if len(objects) != len(pks):
            message = _("Some of these %(names)s no longer exist.")
            return [], message % {"names": self.opts.verbose_name_plural}
        return objects, ""

    def _count_problem(self, count: int) -> str:
        values = {"names": self.opts.verbose_name_plural, "count": count}
        if self.merge_max == self.merge_min and count != self.merge_min:
            message = _("Select exactly %(number)d %(names)s to merge (%(count)d selected).")
            return message % {**values, "number": self.merge_min}
        if count < self.merge_min:
            message = _("Select at least %(number)d %(names)s to merge (%(count)d selected).")
            return message % {**values, "number": self.merge_min}
        if self.merge_max is not None and count > self.merge_max:
            message = _("Select at most %(number)d %(names)s to merge (%(count)d selected).")
            return message % {**values, "number": self.merge_max}
        return ""

    def _url(self, view: str, *args) -> str:
        name = f"admin:{self.opts.app_label}_{self.opts.model_name}_{view}"
        return reverse(name, args=args, current_app=self.admin_site.name)

    def merge_columns(self, objects) -> list[dict]:
        return [{} for _obj in objects]

    def merge(self, request, *, keep, others) -> str:
        raise NotImplementedError
