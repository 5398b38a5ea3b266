"""The admin of taggit's tags, in place of taggit's own: rename (the old URL keeps
working, see talks/tags.py) and "Merge tags"."""

from django import forms
from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.admin import TagAdmin as TaggitTagAdmin
from taggit.models import Tag

from confnotes.admin_merge import MergeAdminMixin
from confnotes.text import clean_text
from talks.models import Conference, Talk
from talks.tags import TagMergeError, tags_merge

# Importing taggit's admin registered its TagAdmin: this one takes its place.
if admin.site.is_registered(Tag) and isinstance(admin.site.get_model_admin(Tag), TaggitTagAdmin):
    admin.site.unregister(Tag)

LISTED_TITLES = 10  # per tag, on the merge page


class TagForm(forms.ModelForm):
    class Meta:
        model = Tag
        fields = ["name", "slug"]
        help_texts = {
            "slug": gettext_lazy(
                "Part of the URL. Left as it was, it follows a new name; "
                "the old URL redirects to the new one."
            ),
        }

    def clean_name(self):
        # As a save would store it: the clash check below then compares stored names.
        return clean_text(self.cleaned_data["name"])

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        renamed = self.instance.pk and name and "name" in self.changed_data
        if renamed and "slug" not in self.changed_data:
            cleaned["slug"] = self.instance.slugify(name)
        clash_messages = {
            "name": _(
                "The tag “%(tag)s” has the name “%(value)s” already. To fold the two "
                "together, select both in the list of tags and use “Merge tags”."
            ),
            "slug": _(
                "The tag “%(tag)s” has the slug “%(value)s” already. To fold the two "
                "together, select both in the list of tags and use “Merge tags”."
            ),
        }
        for field_name in ("name", "slug"):
            value = cleaned.get(field_name)
            others = Tag.objects.filter(**{field_name: value}).exclude(pk=self.instance.pk)
            clash = others.first() if value else None
            if clash is not None:
                message = clash_messages[field_name] % {"tag": clash.name, "value": value}
                self.add_error(field_name, message)
        return cleaned


@admin.register(Tag)
class TagAdmin(MergeAdminMixin, admin.ModelAdmin):
    form = TagForm
    list_display = ["name", "slug", "talk_count", "conference_count"]
    ordering = ["name", "pk"]
    search_fields = ["name", "slug", "old_slugs__slug"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["old_slug_list"]
    fields = ["name", "slug", "old_slug_list"]
    actions = ["merge_selected"]
    merge_template = "admin/taggit/tag/merge.html"
    merge_error = TagMergeError

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                talk_total=Count("talks_taggedtalk_items", distinct=True),
                conference_total=Count("talks_taggedconference_items", distinct=True),
            )
        )

    @admin.display(description=gettext_lazy("talks"), ordering="talk_total")
    def talk_count(self, obj):
        return obj.talk_total

    @admin.display(description=gettext_lazy("conferences"), ordering="conference_total")
    def conference_count(self, obj):
        return obj.conference_total

    @admin.display(description=gettext_lazy("Old slugs (redirect here)"))
    def old_slug_list(self, obj):
        slugs = list(obj.old_slugs.values_list("slug", flat=True)) if obj.pk else []
        # Translators: no old slugs.
        return ", ".join(slugs) or _("None")

    def merge_columns(self, objects) -> list[dict]:
        columns = []
        for tag in objects:
            talks = Talk.objects.filter(tagged_items__tag=tag).select_related("conference")
            conferences = Conference.objects.filter(tagged_items__tag=tag)
            columns.append(
                {
                    "talk_count": talks.count(),
                    "talks": list(talks.order_by("-day__date", "pk")[:LISTED_TITLES]),
                    "conferences": list(conferences.values_list("name", flat=True)),
                    "old_slugs": list(tag.old_slugs.values_list("slug", flat=True)),
                }
            )
        return columns

    def merge(self, request, *, keep, others) -> str:
        return str(tags_merge(keep=keep, others=others, user=request.user))
