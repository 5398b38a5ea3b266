from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.db.models.functions import Coalesce, Now
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from confnotes.history.admin import HistoryAdmin
from speakers.models import Speaker
from talks import tag_admin  # noqa: F401  (registers taggit's Tag with rename and merge)
from talks.freshness import publication_changed
from talks.models import (
    Author,
    Conference,
    Day,
    Link,
    LinkCheck,
    Note,
    NoteAuthor,
    Talk,
    TalkSpeaker,
)
from talks.permissions import may_change_note, may_delete_note, may_publish_notes
from talks.recap_admin import recap_urls
from talks.search import search_index_conferences, search_index_talks
from talks.timestamps import format_time_code, parse_time_code


def markdown_preview(field_name: str, label: str):
    """A read-only admin field showing the stored, sanitized HTML of a Markdown field."""

    @admin.display(description=label)
    def preview(self, obj):
        html = getattr(obj, f"{field_name}_html", "") if obj else ""
        if not html:
            return _("Nothing saved yet.")
        # Stored *_html fields are sanitized by confnotes.markdown on save.
        return format_html('<div class="markdown-preview">{}</div>', SafeString(html))

    return preview


def refresh_after_bulk_publish(model, pks) -> None:
    """update() sends no signals: refresh the page cache and the search index by hand."""
    publication_changed(model, pks)
    if model is Conference:
        search_index_conferences(pks)
    elif model is Day:
        search_index_talks(Talk.objects.filter(day__in=pks).values_list("pk", flat=True))
    elif model is Note:
        talk_ids = Note.objects.filter(pk__in=pks, talk__isnull=False).values_list("talk_id")
        search_index_talks(pk for (pk,) in talk_ids)


class AdminStyles:
    """The admin's own stylesheet, with fixes to Django's (static/css/admin.css)."""

    class Media:
        css = {"all": ["css/admin.css"]}


class PublishActionsMixin:
    """Publish/unpublish actions for models with a `published` flag."""

    actions = ["publish", "unpublish"]

    def has_publish_permission(self, request) -> bool:
        """Conferences and days are published by whoever may change them."""
        return self.has_change_permission(request)

    @admin.action(
        description=gettext_lazy("Publish selected %(verbose_name_plural)s"),
        permissions=["publish"],
    )
    def publish(self, request, queryset):
        # The rows, taken before the update: a list filter may no longer match them after.
        pks = list(queryset.values_list("pk", flat=True))
        updated = queryset.update(published=True)
        refresh_after_bulk_publish(queryset.model, pks)
        # The history's comment is a record, kept in English whoever reads it.
        self.record_change(request, pks, "Published (list action).")
        message = ngettext("Published %(count)d item(s).", "Published %(count)d item(s).", updated)
        self.message_user(request, message % {"count": updated})

    @admin.action(
        description=gettext_lazy("Unpublish selected %(verbose_name_plural)s"),
        permissions=["publish"],
    )
    def unpublish(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        updated = queryset.update(published=False)
        refresh_after_bulk_publish(queryset.model, pks)
        self.record_change(request, pks, "Unpublished (list action).")
        message = ngettext(
            "Unpublished %(count)d item(s).", "Unpublished %(count)d item(s).", updated
        )
        self.message_user(request, message % {"count": updated})


class NoteInline(admin.StackedInline):
    """Notes written on the page of what they are about; see `NoteAuthorMixin`.

    The inline lists everyone's notes: notes already saved are changed and deleted
    here only by who may change any note (talks/permissions.py).
    """

    model = Note
    fields = ["byline_column", "body", "body_preview", "published"]
    readonly_fields = ["byline_column", "body_preview"]
    body_preview = markdown_preview("body", gettext_lazy("Note as published"))
    extra = 0
    show_change_link = True  # authors and source are edited on the note's own page

    @admin.display(description=gettext_lazy("authors"))
    def byline_column(self, obj):
        return obj.byline if obj and obj.pk else _("You, when you save it.")

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_publish_notes(request.user)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and may_publish_notes(request.user)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not may_publish_notes(request.user):
            readonly.append("published")
        return readonly


class DayNoteInline(NoteInline):
    fk_name = "day"


class ConferenceNoteInline(NoteInline):
    fk_name = "conference"
    verbose_name = gettext_lazy("note on the whole conference")
    verbose_name_plural = gettext_lazy("notes on the whole conference")


class NoteAuthorMixin:
    """A note written in an inline is by whoever saves it, until its own page names others."""

    def save_formset(self, request, form, formset, change):
        super().save_formset(request, form, formset, change)
        if formset.model is Note:
            # What the formset saved: a form's has_changed() is False once saved when
            # the inline may not change saved notes (NoteInline).
            saved = [*formset.new_objects, *(note for note, _fields in formset.changed_objects)]
            for note in saved:
                if not note.note_authors.exists():
                    note.set_authors([request.user])
                    self.record_again(note)  # its version, with the byline just set


class DayInline(admin.TabularInline):
    # No slug here: new days get theirs on save, and several blank slugs in one
    # formset would trip the (conference, slug) uniqueness check.
    model = Day
    fields = ["date", "position", "title", "published"]
    extra = 0
    show_change_link = True


@admin.register(Conference)
class ConferenceAdmin(NoteAuthorMixin, PublishActionsMixin, AdminStyles, HistoryAdmin):
    list_display = ["name", "series", "start_date", "city", "published", "day_count"]
    list_filter = ["published", ("start_date", admin.DateFieldListFilter), "series", "source"]
    search_fields = ["name", "series", "city"]
    prepopulated_fields = {"slug": ["name"]}
    date_hierarchy = "start_date"
    inlines = [DayInline, ConferenceNoteInline]
    readonly_fields = ["recap_preview", "source", "external_id"]
    recap_preview = markdown_preview("recap", gettext_lazy("Recap as published"))
    fieldsets = [
        (None, {"fields": ["name", "slug", "series", "published"]}),
        (
            gettext_lazy("When and where"),
            {"fields": ["start_date", "end_date", "time_zone", "venue", "city", "country"]},
        ),
        (gettext_lazy("Recap"), {"fields": ["recap", "recap_preview", "tags"]}),
        (gettext_lazy("Links"), {"fields": ["website", "logo"]}),
        (
            # Translators: a fieldset: where an imported record came from.
            gettext_lazy("Import"),
            {"fields": ["source", "external_id"], "classes": ["collapse"]},
        ),
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(day_total=Count("days"))

    @admin.display(description=gettext_lazy("days"), ordering="day_total")
    def day_count(self, obj):
        return obj.day_total


class TalkInline(admin.TabularInline):
    model = Talk
    fields = ["position", "start_time", "title", "kind", "room", "slug"]
    extra = 0
    show_change_link = True
    ordering = ["position", "start_time", "pk"]


@admin.register(Day)
class DayAdmin(NoteAuthorMixin, PublishActionsMixin, AdminStyles, HistoryAdmin):
    list_display = ["__str__", "date", "position", "title", "published"]
    list_filter = ["published", "conference"]
    list_select_related = ["conference"]
    search_fields = ["conference__name", "title"]
    autocomplete_fields = ["conference"]
    inlines = [TalkInline, DayNoteInline]
    readonly_fields = ["summary_preview"]
    summary_preview = markdown_preview("summary", gettext_lazy("Summary as published"))
    fields = [
        "conference", "date", "position", "title", "slug", "published", "in_order",
        "summary", "summary_preview",
    ]  # fmt: skip
    ordering = ["-date", "position"]

    def get_urls(self):
        # The recap pages (import, review, export) live in talks/recap_admin.py.
        return recap_urls(self) + super().get_urls()


class TalkSpeakerInline(admin.TabularInline):
    model = TalkSpeaker
    fields = ["position", "speaker"]
    autocomplete_fields = ["speaker"]
    extra = 1
    ordering = ["position", "pk"]


class LinkInline(admin.TabularInline):
    model = Link
    fields = ["position", "kind", "title", "url"]
    extra = 1
    ordering = ["position", "pk"]


class TalkNoteInline(NoteInline):
    fk_name = "talk"
    extra = 1


class TimeCodeField(forms.IntegerField):
    """Seconds into a recording, typed as the video shows them: "9:29", "1:02:03" (or 569)."""

    widget = forms.TextInput(attrs={"size": 8, "placeholder": "m:ss"})
    default_error_messages = {
        "invalid": gettext_lazy("Enter a time such as 9:29 or 1:02:03, or seconds.")
    }

    def prepare_value(self, value):
        return format_time_code(value) if isinstance(value, int) else value

    def to_python(self, value):
        if value in self.empty_values or not str(value).strip():
            return None
        seconds = parse_time_code(str(value))
        if seconds is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return seconds


@admin.register(Talk)
class TalkAdmin(NoteAuthorMixin, AdminStyles, HistoryAdmin):
    list_display = ["title", "conference", "day_label", "kind", "start_time", "room"]
    list_filter = ["kind", ("conference", admin.RelatedOnlyFieldListFilter), "day__date"]
    list_select_related = ["conference", "day"]
    search_fields = ["title", "talk_speakers__speaker__name", "conference__name"]
    autocomplete_fields = ["day"]
    inlines = [TalkSpeakerInline, LinkInline, TalkNoteInline]
    readonly_fields = ["abstract_preview", "source", "external_id"]
    abstract_preview = markdown_preview("abstract", gettext_lazy("Abstract as published"))
    fieldsets = [
        (None, {"fields": ["day", "title", "slug", "kind", "tags"]}),
        (
            gettext_lazy("Schedule"),
            {
                "fields": [
                    "position",
                    "start_time",
                    "start_date",
                    "duration",
                    "room",
                    "track",
                    "language",
                ]
            },
        ),
        (gettext_lazy("Abstract"), {"fields": ["abstract", "abstract_preview"]}),
        (
            gettext_lazy("Slides and video"),
            {"fields": ["slides_url", "video_url", ("video_start", "video_end")]},
        ),
        (gettext_lazy("Import"), {"fields": ["source", "external_id"], "classes": ["collapse"]}),
    ]

    time_code_help = {
        "video_start": gettext_lazy(
            "Where this item starts in the recording (a lightning talk in a "
            "session's video): 9:29, 1:02:03 or seconds."
        ),
        "video_end": gettext_lazy("Where it ends, when the recording goes on after it."),
    }

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.time_code_help:
            kwargs.update(form_class=TimeCodeField, help_text=self.time_code_help[db_field.name])
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @admin.display(description=gettext_lazy("day"), ordering="day__date")
    def day_label(self, obj):
        return obj.day.label


class NoteAuthorInline(admin.TabularInline):
    model = NoteAuthor
    fields = ["author", "position"]
    autocomplete_fields = ["author"]
    extra = 0
    verbose_name = gettext_lazy("author")
    verbose_name_plural = gettext_lazy("authors, in byline order (empty: you, when you save)")


@admin.register(Author)
class AuthorAdmin(admin.ModelAdmin):
    list_display = ["name", "user"]
    search_fields = ["name", "user__username"]
    prepopulated_fields = {"slug": ["name"]}
    autocomplete_fields = ["user"]

    def get_readonly_fields(self, request, obj=None):
        # Who may add authors but not change them (writers) adds guests: an account
        # tied to an author writes, and edits, as that author.
        if request.user.has_perm("talks.change_author"):
            return self.readonly_fields
        return [*self.readonly_fields, "user"]


@admin.register(Note)
class NoteAdmin(PublishActionsMixin, AdminStyles, HistoryAdmin):
    list_display = ["__str__", "byline_column", "published", "published_at", "updated"]
    list_filter = ["published", ("talk__conference", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["talk", "day__conference", "conference"]
    search_fields = ["body", "talk__title", "authors__name"]
    autocomplete_fields = ["talk", "day", "conference"]
    readonly_fields = ["body_preview", "published_at"]
    body_preview = markdown_preview("body", gettext_lazy("Note as published"))
    inlines = [NoteAuthorInline]
    fieldsets = [
        (None, {"fields": ["talk", "day", "conference"]}),
        (None, {"fields": ["body", "body_preview", "language", "published", "published_at"]}),
        (
            gettext_lazy("First published elsewhere"),
            {
                "fields": [
                    "source_url",
                    "source_title",
                    "source_site",
                    "source_author",
                    "source_date",
                ]
            },
        ),
    ]
    date_hierarchy = "created"

    def get_queryset(self, request):
        return super().get_queryset(request).with_authors()

    @admin.display(description=gettext_lazy("byline"))
    def byline_column(self, obj):
        return obj.byline

    def has_change_permission(self, request, obj=None):
        return may_change_note(request.user, obj)

    def has_delete_permission(self, request, obj=None):
        return may_delete_note(request.user, obj)

    def has_publish_permission(self, request) -> bool:
        return may_publish_notes(request.user)

    def kept_on_restore(self, request, current) -> dict:
        if may_publish_notes(request.user):
            return {}
        if current is None:  # a recovered note comes back as a draft
            return {"published": False, "published_at": None}
        return {"published": current.published, "published_at": current.published_at}

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not may_publish_notes(request.user):
            readonly.append("published")  # a forged POST cannot publish: the form has no field
        return readonly

    @admin.action(description=gettext_lazy("Publish selected notes"), permissions=["publish"])
    def publish(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True))
        updated = queryset.update(published=True, published_at=Coalesce("published_at", Now()))
        refresh_after_bulk_publish(Note, pks)
        self.record_change(request, pks, "Published (list action).")
        message = ngettext("Published %(count)d note(s).", "Published %(count)d note(s).", updated)
        self.message_user(request, message % {"count": updated})

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not form.instance.note_authors.exists():
            form.instance.set_authors([request.user])

    def view_on_site(self, obj):
        return obj.get_absolute_url()


class AnswerFilter(admin.SimpleListFilter):
    """Filter link checks by the kind of answer their URL gave last time."""

    title = gettext_lazy("last answer")
    parameter_name = "answer"

    def lookups(self, request, model_admin):
        return [
            ("ok", _("Fine (2xx/3xx)")),
            ("client", _("Client error (4xx)")),
            ("server", _("Server error (5xx)")),
            ("none", _("No answer (timeout, refused...)")),
        ]

    def queryset(self, request, queryset):
        match self.value():
            case "ok":
                return queryset.filter(status_code__lt=400)
            case "client":
                return queryset.filter(status_code__gte=400, status_code__lt=500)
            case "server":
                return queryset.filter(status_code__gte=500)
            case "none":
                return queryset.filter(status_code__isnull=True)
        return queryset


@admin.register(LinkCheck)
class LinkCheckAdmin(admin.ModelAdmin):
    """Broken links at a glance; the rows are written by `manage.py check_links`."""

    list_display = [
        "url",
        "broken",
        "answer",
        "consecutive_failures",
        "failing_since",
        "checked_at",
    ]
    list_filter = ["broken", AnswerFilter, ("checked_at", admin.DateFieldListFilter)]
    search_fields = ["url", "final_url"]
    date_hierarchy = "checked_at"
    readonly_fields = [
        "url",
        "status_code",
        "error",
        "final_url",
        "redirects",
        "checked_at",
        "failing_since",
        "consecutive_failures",
        "broken",
        "used_by",
    ]

    def has_add_permission(self, request):
        return False

    @admin.display(description=gettext_lazy("last answer"), ordering="status_code")
    def answer(self, obj):
        return obj.status_code if obj.status_code is not None else obj.error

    @admin.display(description=gettext_lazy("used by"))
    def used_by(self, obj):
        talks = (
            Talk.objects.filter(
                Q(slides_url=obj.url) | Q(video_url=obj.url) | Q(links__url=obj.url)
            )
            .select_related("conference")
            .distinct()[:20]
        )
        speakers = Speaker.objects.filter(website=obj.url)[:20]
        conferences = Conference.objects.filter(website=obj.url)[:20]
        items = [(t.get_absolute_url(), f"{t.title} ({t.conference.name})") for t in talks]
        # Translators: a speaker or a conference whose website is the checked URL.
        website = _("%(name)s (website)")
        items += [(s.get_absolute_url(), website % {"name": s.name}) for s in speakers]
        items += [(c.get_absolute_url(), website % {"name": c.name}) for c in conferences]
        if not items:
            return _("Nothing links to it any more.")
        return format_html_join(", ", '<a href="{}">{}</a>', items)


admin.site.site_header = "confnotes"
admin.site.site_title = gettext_lazy("confnotes admin")
admin.site.index_title = gettext_lazy("Write and publish conference notes")
