"""Which of the talks app's models keep a revision history (confnotes/history/).

Each follows the rows that are edited with it and belong to it alone: a restore
brings them back as they were and deletes the ones added since. Days, talks and
notes are not followed by what holds them: they keep their own history, and
restoring a conference's name must not delete the talks written since.
"""

from django.utils.translation import gettext_lazy as _

from confnotes.history import versions
from talks.models import Conference, Day, Note, Talk

# Left out of versions: source records kept for export (read again from the source by
# every import, never edited here), which keep their current value on a restore; and
# the rendered Markdown, which the restore's save() renders again.
SOURCE_RECORD = "extra"


def register() -> None:
    """Called once, from TalksConfig.ready()."""
    versions.register(
        Conference, follow={"tagged_items": _("Tags")}, exclude=[SOURCE_RECORD, "recap_html"]
    )
    versions.register(Day, exclude=["summary_html"])
    versions.register(
        Talk,
        follow={"talk_speakers": _("Speakers"), "links": _("Links"), "tagged_items": _("Tags")},
        exclude=[SOURCE_RECORD, "abstract_html"],
    )
    versions.register(Note, follow={"note_authors": _("Authors")}, exclude=["body_html"])
