from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import prefetch_related_objects
from django.forms.models import BaseInlineFormSet
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from confnotes.admin_merge import MergeAdminMixin
from confnotes.history.admin import HistoryAdmin
from speakers.images import UploadedImageField
from speakers.merge import SpeakerMergeError, speakers_merge
from speakers.models import Speaker, SpeakerAlias, normalize_name


class SpeakerAliasFormSet(BaseInlineFormSet):
    def clean(self):
        """Refuse two aliases of one submission that normalize to the same name."""
        super().clean()
        seen = {}
        for form in self.forms:
            if not hasattr(form, "cleaned_data") or form.cleaned_data.get("DELETE"):
                continue
            name = form.cleaned_data.get("name")
            if not name:
                continue
            key = normalize_name(name)
            if key in seen:
                message = _("“%(name)s” and “%(other)s” are the same alias.")
                raise ValidationError(message % {"name": name, "other": seen[key]})
            seen[key] = name


class SpeakerAliasInline(admin.TabularInline):
    model = SpeakerAlias
    formset = SpeakerAliasFormSet
    fields = ["name", "public"]
    extra = 1


@admin.register(Speaker)
class SpeakerAdmin(MergeAdminMixin, HistoryAdmin):
    list_display = ["name", "thumbnail_preview", "website"]
    list_display_links = ["name"]
    list_per_page = 50
    ordering = ["name", "pk"]
    # The talks admin's autocomplete on speakers searches these.
    search_fields = ["name", "aliases__name"]
    prepopulated_fields = {"slug": ["name"]}
    readonly_fields = ["photo_preview", "bio_preview"]
    fieldsets = [
        (None, {"fields": ["name", "slug"]}),
        (gettext_lazy("Biography"), {"fields": ["bio", "bio_preview"]}),
        (gettext_lazy("Photo"), {"fields": ["photo", "photo_preview"]}),
        (
            gettext_lazy("Links and handles"),
            {"fields": ["website", "github", "mastodon", "bluesky", "twitter"]},
        ),
    ]
    inlines = [SpeakerAliasInline]
    # Size, pixel and format checks with messages that say what is wrong.
    formfield_overrides = {models.ImageField: {"form_class": UploadedImageField}}
    actions = ["merge_selected"]
    # Two at a time: the editor compares them side by side before one goes.
    merge_min = merge_max = 2
    merge_template = "admin/speakers/speaker/merge.html"
    merge_error = SpeakerMergeError

    def merge_columns(self, objects) -> list[dict]:
        prefetch_related_objects(objects, "aliases", "talks__conference")
        return [{"talks": obj.talks.all(), "aliases": obj.aliases.all()} for obj in objects]

    def merge(self, request, *, keep, others) -> str:
        (other,) = others
        return str(speakers_merge(keep=keep, other=other, user=request.user))

    @admin.display(description=gettext_lazy("Photo"))
    def thumbnail_preview(self, obj):
        if not obj.photo_thumbnail:
            return None
        return format_html(
            '<img src="{}" alt="" width="48" height="48" loading="lazy">',
            obj.photo_thumbnail.url,
        )

    @admin.display(description=gettext_lazy("Stored photo"))
    def photo_preview(self, obj):
        if not obj.photo:
            return None
        return format_html(
            '<img src="{}" alt="{}" width="240">',
            obj.photo.url,
            _("Photo of %(name)s") % {"name": obj.name},
        )

    @admin.display(description=gettext_lazy("Rendered biography"))
    def bio_preview(self, obj):
        if not obj.bio_html:
            return None
        # bio_html is stored sanitized by confnotes.markdown.render_markdown on
        # save: the project prints only stored *_html fields as safe.
        return format_html('<div class="speaker-bio-preview">{}</div>', SafeString(obj.bio_html))
