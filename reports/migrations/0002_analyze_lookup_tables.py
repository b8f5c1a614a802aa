"""Gather planner statistics (ANALYZE) of the small lookup tables the reports join.

Autovacuum analyses a table only once its changed rows pass autovacuum_analyze_threshold
(50 by default), so a table of a few stages, pipelines, currencies, lead statuses, sources,
campaigns or catalog sections is never analysed: the planner then guesses its size and the
selectivity of conditions on it (semantics = 'won', for one), and those guesses doubled the
time of several reports on 100,000 deals. PostgreSQL only: elsewhere nothing is done; the
reverse does nothing either (statistics need no undoing).
"""

from django.db import migrations

LOOKUP_TABLES = (
    "deals_stage",
    "deals_pipeline",
    "catalog_currency",
    "leads_leadstatus",
    "leads_source",
    "leads_campaign",
    "catalog_section",
)


def analyze(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    quote = schema_editor.quote_name
    with schema_editor.connection.cursor() as cursor:
        for table in LOOKUP_TABLES:
            cursor.execute(f"ANALYZE {quote(table)}")


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_add_saved_reports"),
        ("catalog", "0001_initial"),
        ("deals", "0001_initial"),
        ("leads", "0001_initial"),
    ]

    operations = [migrations.RunPython(analyze, migrations.RunPython.noop, elidable=True)]
