# A conference's time zone becomes a field (it was read from `extra["time_zone"]`, set by
# hand, or from a schedule's kept `time_zone_name`), and a talk keeps the date it starts
# on when that is not its program day's: frab days run past midnight.
# The data step fills both from what imports kept: the zone from its name, else from the
# one offset all of a schedule's days start at; a talk's date from its day's `day_start`
# (an item that starts before its day does is after midnight). A hand-set
# `extra["time_zone"]` that names a zone moves into the field; one that does not stays.
import datetime

from django.db import migrations, models

import talks.times


def _zone_name(name) -> str:
    valid = isinstance(name, str) and talks.times.parse_zone(name) is not None
    return name.strip() if valid else ""


def _day_starts(kept: dict) -> dict:
    days = kept.get("days") if isinstance(kept.get("days"), dict) else {}
    starts = {}
    for date, info in days.items():
        value = info.get("day_start") if isinstance(info, dict) else None
        try:
            starts[datetime.date.fromisoformat(date)] = datetime.datetime.fromisoformat(value)
        except (TypeError, ValueError):
            continue
    return starts


def _offset_zone(starts: dict) -> str:
    offsets = {begins.utcoffset() for begins in starts.values()}
    if len(offsets) != 1 or None in offsets:
        return ""
    return talks.times.offset_name(offsets.pop())


def forwards(apps, schema_editor):
    Conference = apps.get_model("talks", "Conference")
    Talk = apps.get_model("talks", "Talk")
    for conference in Conference.objects.all():
        extra = conference.extra if isinstance(conference.extra, dict) else {}
        kept = extra.get("schedule") if isinstance(extra.get("schedule"), dict) else {}
        starts = _day_starts(kept)
        by_hand = _zone_name(extra.get("time_zone"))
        zone = by_hand or _zone_name(kept.get("time_zone_name")) or _offset_zone(starts)
        if zone:
            conference.time_zone = zone
            if by_hand:
                conference.extra = {k: v for k, v in extra.items() if k != "time_zone"}
            conference.save(update_fields=["time_zone", "extra"])
        later = []
        talks = Talk.objects.filter(conference=conference, start_time__isnull=False)
        for talk in talks.select_related("day").only("start_time", "day__date"):
            begins = starts.get(talk.day.date)
            if begins is not None and begins.date() == talk.day.date:
                if talk.start_time < begins.time().replace(tzinfo=None):
                    talk.start_date = talk.day.date + datetime.timedelta(days=1)
                    later.append(talk)
        Talk.objects.bulk_update(later, ["start_date"], batch_size=500)


def backwards(apps, schema_editor):
    Conference = apps.get_model("talks", "Conference")
    for conference in Conference.objects.exclude(time_zone=""):
        extra = conference.extra if isinstance(conference.extra, dict) else {}
        kept = extra.get("schedule") if isinstance(extra.get("schedule"), dict) else {}
        if "time_zone" not in extra and kept.get("time_zone_name") != conference.time_zone:
            conference.extra = {**extra, "time_zone": conference.time_zone}
            conference.save(update_fields=["extra"])


class Migration(migrations.Migration):
    dependencies = [
        ("talks", "0011_search_trigrams"),
    ]

    operations = [
        migrations.AddField(
            model_name="conference",
            name="time_zone",
            field=models.CharField(
                blank=True,
                help_text="Where its times are local: a zone name (Europe/Berlin), or an "
                "offset (+01:00) when no name is known. Empty: times are printed without a "
                "zone.",
                max_length=64,
                validators=[talks.times.validate_time_zone],
            ),
        ),
        migrations.AddField(
            model_name="talk",
            name="start_date",
            field=models.DateField(
                blank=True,
                help_text="The date it starts on, when not its day's: a program day may run "
                "past midnight. Empty: the day's date.",
                null=True,
                verbose_name="starts on",
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
