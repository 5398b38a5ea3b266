"""The day's recap pages in the admin: paste or upload a recap, review where each part
goes, save the parts as draft notes; and the day's notes as a recap to download.

Step 1 reads and checks the recap and proposes a talk for each part
(talks.importers.recap_match); nothing is saved. Step 2 shows every part with a
choice of the day's talks (and the conference's other days'), a note on the day
or on the conference, or dropping it. The parts travel between the two steps in
a hidden field signed with django.core.signing, so what is saved is what was
reviewed. Step 3 saves them all in one transaction (talks.importers.recap).
"""

import datetime
from functools import partial
from itertools import groupby

from django import forms
from django.contrib import messages
from django.contrib.admin import helpers
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext, pgettext_lazy

from confnotes.markdown import render_markdown
from talks.exporters.recap import export_recap
from talks.importers.recap import (
    CONFERENCE_NOTE,
    DAY_NOTE,
    DROP,
    Placement,
    save_parts,
    with_default_title,
    writer_named,
)
from talks.importers.recap_match import Program, propose_parts
from talks.models import Day, Note
from talks.recap import (
    FORMATS,
    HTML_SUFFIXES,
    MARKDOWN_SUFFIXES,
    MAX_RECAP_BYTES,
    SOURCE_FIELDS,
    NoteSource,
    RecapError,
    check_size,
    read_recap,
)

SIGNING_SALT = "talks.recap_admin.review"
# How long a review stays valid: long enough to read a long recap through.
REVIEW_MAX_AGE = datetime.timedelta(hours=12)
TALK_PREFIX = "talk-"
# Each part has its preview and its choice of every talk of the conference: past a
# few hundred, the review page would be too long to read or to load.
MAX_REVIEW_PARTS = 200


def recap_urls(model_admin) -> list:
    """The recap pages of a day, for DayAdmin.get_urls()."""
    wrap = model_admin.admin_site.admin_view
    info = model_admin.opts.app_label, model_admin.opts.model_name
    return [
        path(
            "<path:object_id>/recap/",
            wrap(partial(import_view, model_admin)),
            name="{}_{}_recap".format(*info),
        ),
        path(
            "<path:object_id>/recap.md",
            wrap(partial(export_view, model_admin)),
            name="{}_{}_recap_export".format(*info),
        ),
    ]


# ---------------------------------------------------------------------------
# Forms


def _upload_help() -> str:
    # Translators: %(suffixes)s lists file name endings: ".htm, .html, .markdown".
    message = _("%(suffixes)s; at most %(limit)d MB.")
    suffixes = ", ".join(sorted(MARKDOWN_SUFFIXES | HTML_SUFFIXES))
    return message % {"suffixes": suffixes, "limit": MAX_RECAP_BYTES // 1024 // 1024}


class RecapForm(forms.ModelForm):
    """Step 1: the recap, pasted or as a file, with its authors and where it was published."""

    text = forms.CharField(
        label=gettext_lazy("Paste the recap"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "cols": 80}),
        help_text=gettext_lazy(
            "Markdown or HTML, as written for the blog: a heading (such as "
            "“Title by Speaker”) or a paragraph per talk."
        ),
    )
    file = forms.FileField(
        label=gettext_lazy("Or upload it"),
        required=False,
        help_text=lazy(_upload_help, str)(),
    )
    format = forms.ChoiceField(
        label=gettext_lazy("Format"),
        choices=[
            ("", gettext_lazy("Tell from the text")),
            *((f, f.upper() if f == "html" else f.title()) for f in FORMATS),
        ],
        required=False,
    )
    authors = forms.CharField(
        label=gettext_lazy("Authors"),
        required=False,
        help_text=gettext_lazy(
            "The notes' byline: names separated by commas. Empty: you. "
            "(Writers can later change only the notes they are an author of.)"
        ),
    )

    class Meta:
        model = Note
        fields = list(SOURCE_FIELDS)
        widgets = {"source_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, day: Day, **kwargs):
        super().__init__(*args, **kwargs)
        self.day = day
        self.program = None  # the talks the recap may name, and the review's choices
        self.proposal = None

    def clean(self):
        cleaned = super().clean()
        text, upload = cleaned.get("text") or "", cleaned.get("file")
        if upload and text.strip():
            raise ValidationError(_("Paste a recap or upload a file, not both."))
        if not upload and not text:
            raise ValidationError(_("Paste a recap or upload a file."))
        if upload:
            # Translators: an uploaded recap, named in the sentences about it.
            field, what = "file", _("“%(name)s”") % {"name": upload.name}
        else:
            # Translators: begins the sentences about a recap pasted in the form.
            field, what = "text", _("The pasted recap")
        try:
            if upload:
                check_size(upload.size)  # before reading it
            markdown = read_recap(
                upload.read() if upload else text,
                name=upload.name if upload else "",
                fmt=cleaned.get("format") or "",
            )
            self.program = Program(self.day)
            self.proposal = propose_parts(self.day, markdown, program=self.program)
        except RecapError as exc:
            self.add_error(field, exc.describe(what))
            return cleaned
        parts = len(self.proposal.parts)
        if not parts:
            self.add_error(field, _("%(what)s has no text to make notes of.") % {"what": what})
        elif parts > MAX_REVIEW_PARTS:
            message = ngettext(
                "%(what)s has %(count)d parts; the review takes at most %(limit)d. "
                "Import it in pieces, or with manage.py import_recap.",
                "%(what)s has %(count)d parts; the review takes at most %(limit)d. "
                "Import it in pieces, or with manage.py import_recap.",
                parts,
            )
            self.add_error(
                field, message % {"what": what, "count": parts, "limit": MAX_REVIEW_PARTS}
            )
        return cleaned

    def source(self) -> NoteSource:
        return NoteSource.from_fields(self.cleaned_data)

    def author_names(self) -> list[str]:
        names = (name.strip() for name in self.cleaned_data["authors"].split(","))
        return [name for name in names if name]


class ReviewForm(forms.Form):
    """Step 2: where each part goes. The parts come signed in `payload`."""

    payload = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, choices, parts, **kwargs):
        super().__init__(*args, **kwargs)
        for number, part in enumerate(parts, start=1):
            self.fields[f"part_{number}"] = forms.ChoiceField(
                label=_("Part %(number)d goes to") % {"number": number},
                choices=choices,
                initial=part["target"],
            )

    def part_fields(self):
        return [self[name] for name in self.fields if name.startswith("part_")]


def target_choices(program: Program) -> list:
    """The select's options: the day, the conference, dropping, then talks by day."""
    day = program.day
    choices = [
        (DAY_NOTE, _("A note on the day (%(day)s)") % {"day": day.label}),
        (CONFERENCE_NOTE, _("A note on the whole conference")),
        (DROP, _("Drop this part")),
    ]
    for label, talks in groupby(program.talks, key=lambda talk: talk.day_label):
        if label == day.label:
            group = _("Talks of %(day)s (this day)") % {"day": label}
        else:
            group = _("Talks of %(day)s") % {"day": label}
        choices.append((group, [(f"{TALK_PREFIX}{t.pk}", t.label) for t in talks]))
    return choices


def _target(value: str) -> int | str:
    return int(value.removeprefix(TALK_PREFIX)) if value.startswith(TALK_PREFIX) else value


# ---------------------------------------------------------------------------
# Views


def _day_or_404(model_admin, request, object_id) -> Day:
    day = model_admin.get_object(request, object_id)
    if day is None:
        raise Http404("No such day.")
    if not model_admin.has_view_or_change_permission(request, day):
        raise PermissionDenied
    return day


def _context(model_admin, request, day, title, **extra) -> dict:
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.opts,
        "original": day,
        "title": title,
        "subtitle": str(day),
        "has_view_permission": model_admin.has_view_permission(request),
        "media": model_admin.media,  # the admin's own stylesheet (AdminStyles)
        **extra,
    }


def import_view(model_admin, request, object_id):
    """Steps 1 to 3 on one URL: a POST with `payload` is a review to save."""
    day = _day_or_404(model_admin, request, object_id)
    if not request.user.has_perm("talks.add_note"):
        raise PermissionDenied
    if request.method == "POST" and "payload" in request.POST:
        return _save(model_admin, request, day)
    posted = request.method == "POST"
    form = RecapForm(request.POST if posted else None, request.FILES if posted else None, day=day)
    if posted and form.is_valid():
        return _review(model_admin, request, day, form)
    fieldsets = [
        (None, {"fields": ["text", "file", "format"]}),
        (_("Byline and first publication"), {"fields": ["authors", *SOURCE_FIELDS]}),
    ]
    context = _context(
        model_admin,
        request,
        day,
        _("Import a recap of %(day)s") % {"day": day.label},
        adminform=helpers.AdminForm(form, fieldsets, {}, model_admin=model_admin),
        errors=helpers.AdminErrorList(form, []),
        form=form,
    )
    return TemplateResponse(request, "admin/talks/day/recap_import.html", context)


# What named a part's talk (talks/importers/recap_match.py), as the review says it.
REASONS = {
    "title": pgettext_lazy("recap part named by its", "title"),
    "speaker": pgettext_lazy("recap part named by its", "speaker"),
    "title and speaker": pgettext_lazy("recap part named by its", "title and speaker"),
    "heading names the day": pgettext_lazy("recap part proposed as", "heading names the day"),
}


def _review(model_admin, request, day, form: RecapForm):
    proposal = form.proposal
    payload = {
        "day": day.pk,
        "authors": form.author_names(),
        "source": _source_json(proposal.source or with_default_title(form.source(), proposal)),
        "parts": [
            {
                "body": part.body,
                "label": part.label,
                "reason": part.reason,
                "target": f"{TALK_PREFIX}{part.talk.pk}" if part.talk else DAY_NOTE,
                "source": _source_json(part.source) if part.source else None,
            }
            for part in proposal.parts
        ],
    }
    signed = signing.dumps(payload, salt=SIGNING_SALT, compress=True)
    program = form.program
    review = ReviewForm(
        initial={"payload": signed}, choices=target_choices(program), parts=payload["parts"]
    )
    return _render_review(model_admin, request, day, review, payload, program)


def _render_review(model_admin, request, day, review, payload, program):
    talks = {talk.pk: talk for talk in program.talks}
    rows = []
    for field, part in zip(review.part_fields(), payload["parts"], strict=True):
        proposed = talks.get(_target(part["target"]))  # None: a day note (or a talk since gone)
        rows.append(
            {
                "field": field,
                "label": part["label"],
                "body_html": render_markdown(part["body"]),
                "proposed": proposed.label if proposed else "",
                "reason": REASONS.get(part["reason"], part["reason"]),
                "source": _source_from_json(part["source"]) if part["source"] else None,
            }
        )
    source = _source_from_json(payload["source"])
    context = _context(
        model_admin,
        request,
        day,
        _("Review the recap of %(day)s") % {"day": day.label},
        review=review,
        rows=rows,
        matched=sum(1 for row in rows if row["proposed"]),
        authors=", ".join(payload["authors"])
        or request.user.get_full_name()
        or request.user.get_username(),
        source=source,
        source_text=_source_text(source),
    )
    return TemplateResponse(request, "admin/talks/day/recap_review.html", context)


def _source_text(source: NoteSource) -> str:
    """Where the notes were first published, as the review page says it:
    “Title” on Site by Author, 10 September 2009 (URL); "" without a source."""
    if not source:
        return ""
    # Each piece in the interface's language, in the order English writes them.
    pieces = [_("“%(title)s”") % {"title": source.title}] if source.title else []
    if source.site:
        # Translators: the site a recap was first published on: "on Example Blog".
        pieces.append(pgettext("recap source", "on %(site)s") % {"site": source.site})
    if source.author:
        # Translators: who wrote a recap first published elsewhere: "by Ada".
        pieces.append(pgettext("recap source", "by %(author)s") % {"author": source.author})
    text = " ".join(pieces)
    if source.date:
        text += ", " + date_format(source.date, pgettext("date format", "j F Y"))
    if source.url:
        text += f" ({source.url})"
    return text


def _save(model_admin, request, day):
    try:
        payload = signing.loads(request.POST["payload"], salt=SIGNING_SALT, max_age=REVIEW_MAX_AGE)
    except signing.BadSignature:
        payload = None
    if payload is None or payload.get("day") != day.pk:
        messages.error(
            request, _("That review is out of date or was altered: paste the recap again.")
        )
        return redirect(reverse("admin:talks_day_recap", args=[day.pk]))
    program = Program(day)
    review = ReviewForm(request.POST, choices=target_choices(program), parts=payload["parts"])
    if review.is_valid():
        targets = [_target(review.cleaned_data[field.name]) for field in review.part_fields()]
        placements = [
            Placement(
                part["body"],
                target,
                _source_from_json(part["source"]) if part["source"] else None,
            )
            for part, target in zip(payload["parts"], targets, strict=True)
            if target != DROP
        ]
        authors = [writer_named(name) for name in payload["authors"]] or [request.user]
        source = _source_from_json(payload["source"])
        try:
            summary = save_parts(
                day,
                placements,
                authors=authors,
                source=source,
                dropped=targets.count(DROP),
                user=request.user,
            )
        except ValidationError as exc:
            review.add_error(None, exc)
        else:
            summary_text = " ".join(summary.lines())
            messages.success(request, _("Recap imported. %(summary)s") % {"summary": summary_text})
            return redirect(reverse("admin:talks_day_change", args=[day.pk]))
    return _render_review(model_admin, request, day, review, payload, program)


def _source_json(source: NoteSource) -> dict:
    fields = source.as_fields()
    fields["source_date"] = source.date.isoformat() if source.date else ""
    return {name.removeprefix("source_"): value for name, value in fields.items()}


def _source_from_json(data: dict) -> NoteSource:
    date = data.get("date")
    return NoteSource(**{**data, "date": datetime.date.fromisoformat(date) if date else None})


def export_view(model_admin, request, object_id):
    """The day's published notes as a Markdown recap, to download."""
    day = _day_or_404(model_admin, request, object_id)
    markdown = export_recap(day)
    if not markdown:
        messages.warning(request, _("The day has no published notes to export."))
        return redirect(reverse("admin:talks_day_change", args=[day.pk]))
    response = HttpResponse(markdown, content_type="text/markdown; charset=utf-8")
    filename = f"{day.conference.slug}-{day.slug}.md"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
