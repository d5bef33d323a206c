from django.db import migrations, models


def number_submitted_moves(apps, schema_editor):
    """Every move submitted before numbers existed gets one now (申請番号)."""
    from hikkoshi import application_number

    Move = apps.get_model("moves", "Move")
    taken = set(Move.objects.exclude(number=None).values_list("number", flat=True))
    for move in Move.objects.filter(status="submitted", number=None).only("pk").iterator():
        number = application_number.generate()
        while number in taken:
            number = application_number.generate()
        taken.add(number)
        Move.objects.filter(pk=move.pk).update(number=number)


class Migration(migrations.Migration):

    dependencies = [
        ("moves", "0007_move_procedure_choices"),
    ]

    operations = [
        migrations.AddField(
            model_name="move",
            name="number",
            field=models.CharField(blank=True, editable=False, max_length=11, null=True, unique=True,
                                   verbose_name="application number"),
        ),
        migrations.RunPython(number_submitted_moves, migrations.RunPython.noop),
    ]
