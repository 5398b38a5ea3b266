from django.core.management.base import CommandError
from taggit.models import Tag

from confnotes.commands import ReportingCommand
from talks.models import TagOldSlug
from talks.tags import TagMergeError, tags_merge


class Command(ReportingCommand):
    help = (
        "Merge tags into one: the talks and conferences of each OTHER tag move to KEEP, "
        "their URLs redirect to it, and they are deleted. Tags are named by slug."
    )

    def add_arguments(self, parser):
        parser.add_argument("keep", metavar="KEEP", help="Slug of the tag that stays.")
        parser.add_argument("others", nargs="+", metavar="OTHER", help="Slugs of tags to fold in.")

    def handle(self, *args, keep, others, **options):
        tags = Tag.objects.in_bulk([keep, *others], field_name="slug")
        kept = tags.get(keep)
        if kept is None:
            raise CommandError(self._unknown(keep))
        missing = [slug for slug in others if slug not in tags]
        # Merged already (a script run twice): its slug redirects to KEEP.
        done = set(
            TagOldSlug.objects.filter(slug__in=missing, tag=kept).values_list("slug", flat=True)
        )
        unknown = [slug for slug in missing if slug not in done]
        if unknown:
            raise CommandError(" ".join(self._unknown(slug) for slug in unknown))
        for slug in sorted(done):
            self.stdout.write(f"“{slug}” was merged into “{kept.slug}” already.")
        to_merge = [tags[slug] for slug in dict.fromkeys(others) if slug in tags]
        if not to_merge:
            return
        try:
            summary = tags_merge(keep=kept, others=to_merge)
        except TagMergeError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(str(summary), self.style.SUCCESS)

    def _unknown(self, slug: str) -> str:
        old = TagOldSlug.objects.select_related("tag").filter(slug=slug).first()
        if old is not None:
            return f"No tag has the slug “{slug}”: it is an old slug of “{old.tag.slug}”."
        return f"No tag has the slug “{slug}”."
