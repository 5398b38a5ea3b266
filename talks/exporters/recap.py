"""A day's published notes as one Markdown recap, to post on a blog (`manage.py export_recap`).

The shape is the one `talks.importers.recap` reads, so importing the recap into a
fresh copy of the day gives back the same notes: the day's own notes under a
heading naming the day, each talk's under "Title by Speaker" (one heading per
note), the talk's slides and video on the line below, and where the notes were
first published on a "First published:" line, once at the end when every note
shares it.
"""

from django.db.models import Q

from confnotes.text import join_names
from talks.models import Day, Note, Talk
from talks.recap import NoteSource, escape_markdown, format_links_line, format_source_line

RULE = "* * *"


def _heading(text: str, level: int = 2) -> str:
    text = escape_markdown(text)
    if text.endswith("#"):  # a closing "#" would be read as the heading's end mark
        text = text[:-1] + "\\#"
    return f"{'#' * level} {text}"


def talk_heading(talk: Talk) -> str:
    """ "## Title by Speaker and Speaker" (the title alone for an item without speakers)."""
    names = join_names(speaker.name for speaker in talk.listed_speakers())
    return _heading(f"{talk.title} by {names}" if names else talk.title)


def export_recap(day: Day) -> str:
    """The day's published notes (as readers see them) as one Markdown document; ""
    when the day has none."""
    notes = list(
        Note.objects.published().filter(Q(day=day) | Q(talk__day=day)).order_by("created", "pk")
    )
    if not notes:
        return ""
    talk_notes = {}
    for note in notes:
        if note.talk_id:
            talk_notes.setdefault(note.talk_id, []).append(note)
    talks = (
        Talk.objects.filter(pk__in=talk_notes)
        .with_speakers()
        .order_by("position", "start_time", "pk")
    )
    sources = {NoteSource.from_fields(note) for note in notes}
    shared = sources.pop() if len(sources) == 1 else None
    out = [_heading(f"{day.conference.name}: {day.label}", level=1)]
    for note in notes:
        if note.day_id:
            out += [_heading(day.label), *_note(note, shared)]
    for talk in talks:
        for number, note in enumerate(talk_notes[talk.pk]):
            out.append(talk_heading(talk))
            links = format_links_line(slides=talk.slides_url, video=talk.video_link)
            if links and number == 0:
                out.append(links)
            out += _note(note, shared)
    if shared:
        out += [RULE, format_source_line(shared)]
    return "\n\n".join(out) + "\n"


def _note(note: Note, shared: NoteSource | None) -> list[str]:
    body = note.body.replace("\r\n", "\n").strip()
    source = NoteSource.from_fields(note)
    return [body, format_source_line(source)] if source and not shared else [body]
