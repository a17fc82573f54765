from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0003_loop")]
    # "total" may come from EXTRA_OPS: a notice, not a warning
    operations = [
        migrations.RemoveField("order", "total"),
        migrations.RunSQL(SQL_FROM_ELSEWHERE),
    ]
