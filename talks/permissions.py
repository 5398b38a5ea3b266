"""Who may change, delete and publish which note: the rules of the admin's roles.

The groups (talks/migrations/0010) hold model permissions; these functions narrow
them per note. Whoever may publish notes (editors, superusers) may change and
delete any note. Anyone else holding the model permissions (writers) may change
the notes they are an author of, and delete those of them that are drafts.
"""

from talks.models import Note, NoteAuthor

PUBLISH_NOTE = "talks.publish_note"


def may_publish_notes(user) -> bool:
    """Publish, unpublish, and change or delete anyone's notes."""
    return user.has_perm(PUBLISH_NOTE)


def note_is_by(note: Note, user) -> bool:
    """Whether `user` is one of the note's authors; read once per note object."""
    if note.pk is None:
        return True  # a note being written is its writer's
    if not hasattr(note, "_author_user_ids"):
        note._author_user_ids = set(
            NoteAuthor.objects.filter(note=note, author__user__isnull=False).values_list(
                "author__user_id", flat=True
            )
        )
    return user.pk in note._author_user_ids


def may_change_note(user, note: Note | None) -> bool:
    """`note` None asks about notes in general (the list, the add page)."""
    if not user.has_perm("talks.change_note"):
        return False
    return note is None or may_publish_notes(user) or note_is_by(note, user)


def may_delete_note(user, note: Note | None) -> bool:
    """A published note is deleted only by whoever may unpublish it."""
    if not user.has_perm("talks.delete_note"):
        return False
    if note is None or may_publish_notes(user):
        return True
    return not note.published and note_is_by(note, user)
