"""The two roles of the admin as groups: Writers and Editors (README.md, "Roles").

Writers see everything and write notes; the admin (talks/permissions.py) narrows
their change and delete rights on notes to the notes they are an author of.
Editors hold every right on conferences, talks, notes, speakers and tags,
publishing included. Models added by later migrations are not in these groups:
the migration that adds a model grants its rights, if a role needs them.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations
from django.db.models import Q

ROLE_APPS = ("talks", "speakers", "taggit")
WRITERS = "Writers"
EDITORS = "Editors"
# Writers' rights on models of talks, beyond viewing every model of ROLE_APPS.
WRITER_RIGHTS = {
    "note": ("add", "change", "delete"),
    "noteauthor": ("add", "change", "delete"),
    "author": ("add",),
}


def _make_permissions(apps, using) -> None:
    """Permissions are made after migrate (post_migrate): make those of ROLE_APPS now."""
    for label in ROLE_APPS:
        app_config = apps.get_app_config(label)
        models_module = getattr(app_config, "models_module", None)
        # create_permissions skips an app without models; a migration's stub names none.
        app_config.models_module = models_module or True
        try:
            create_permissions(app_config, verbosity=0, using=using, apps=apps)
        finally:
            app_config.models_module = models_module


def create_role_groups(apps, schema_editor):
    using = schema_editor.connection.alias
    _make_permissions(apps, using)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    models = Q()
    for label in ROLE_APPS:
        names = [model._meta.model_name for model in apps.get_app_config(label).get_models()]
        models |= Q(content_type__app_label=label, content_type__model__in=names)
    role_permissions = Permission.objects.using(using).filter(models)
    writing = [f"{right}_{model}" for model, rights in WRITER_RIGHTS.items() for right in rights]
    writer_permissions = role_permissions.filter(
        Q(codename__startswith="view_") | Q(content_type__app_label="talks", codename__in=writing)
    )
    writers, _ = Group.objects.using(using).get_or_create(name=WRITERS)
    writers.permissions.set(writer_permissions)
    editors, _ = Group.objects.using(using).get_or_create(name=EDITORS)
    editors.permissions.set(role_permissions)


def delete_role_groups(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.using(schema_editor.connection.alias).filter(name__in=[WRITERS, EDITORS]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("speakers", "0002_speakeralias_public"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("talks", "0009_authors_sources_tag_old_slugs"),
    ]

    operations = [
        migrations.RunPython(create_role_groups, delete_role_groups),
    ]
