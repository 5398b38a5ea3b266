"""Revision history of edited content, on django-reversion.

`versions` registers models and writes versions (one by one from the admin, in
bulk from imports, seeds and bulk actions) and restores them; `compare` says what
changed between two versions; `admin` gives a ModelAdmin its history, compare,
restore and recover pages. Nothing here imports an app of confnotes: each app
registers its own models (`versions.register`) and mixes `HistoryAdmin` into
its admins.
"""
