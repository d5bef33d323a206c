"""The name search terms of the moves entered for customers before the index existed
(``hikkoshi.assisted.names``); ``hikkoshi keys rotate --rebuild`` does the same at any time."""

from django.db import migrations

BATCH = 500


def index_existing(apps, schema_editor):
    AssistedMove = apps.get_model("assisted", "AssistedMove")
    Move = apps.get_model("moves", "Move")
    NameTerm = apps.get_model("assisted", "NameTerm")
    ids = AssistedMove.objects.order_by("move_id").values_list("move_id", flat=True)
    if not ids.exists():
        return  # a new database: no key needed yet
    from hikkoshi.assisted.names import APPLICANT, CONTACT, applicant_names, blind_terms, contact_names
    from hikkoshi.encryption import crypto

    ring = crypto.keyring()
    last = 0
    while batch := list(ids.filter(move_id__gt=last)[:BATCH]):
        last = batch[-1]
        # Instances: the field's attribute opens a value (values_list() gives it sealed).
        applicants = {m.pk: m.applicant for m in Move.objects.filter(pk__in=batch)}
        contacts = {a.move_id: a.contact for a in AssistedMove.objects.filter(move_id__in=batch)}
        NameTerm.objects.filter(move_id__in=batch).delete()
        rows = []
        for move_id, contact in contacts.items():
            for source, names in ((CONTACT, contact_names(contact)), (APPLICANT, applicant_names(applicants.get(move_id)))):
                rows += [
                    NameTerm(move_id=move_id, source=source, kid=ring.primary, term=term)
                    for term in blind_terms(names, ring)
                ]
        NameTerm.objects.bulk_create(rows, batch_size=1000)


class Migration(migrations.Migration):
    dependencies = [("assisted", "0003_name_terms")]

    operations = [migrations.RunPython(index_existing, migrations.RunPython.noop, elidable=True)]
