"""What the reports read of the deals without scanning them: two figures the database keeps
on each deal, how many contacts it has and the furthest funnel stage its history reached (the
sales funnel without the history's GROUP BY); and a partial index of the deals of campaigns
that holds what the campaigns report sums.

SQLite drops a table's triggers when a migration rebuilds the table (how Django alters a
column there): a later migration that alters deals_deal, deals_dealcontact or
deals_dealstagechange must create them again; tests/deals/test_report_facts.py fails until it
does."""

import django.db.models.deletion
from django.db import migrations, models


# SQLite: the furthest in-progress or won stage of the deal's pipeline in its stage history;
# {deal} and {pipeline} are SQL expressions (PostgreSQL: the function deals_funnel_stage_of).
FURTHEST_FUNNEL_STAGE = """(
    SELECT s.id FROM deals_dealstagechange h JOIN deals_stage s ON s.id = h.to_stage_id
    WHERE h.deal_id = {deal} AND s.pipeline_id = {pipeline}
      AND s.semantics IN ('in_progress', 'won')
    ORDER BY s.sort DESC, s.id DESC LIMIT 1
)"""

# PostgreSQL: statement-level triggers, so a COPY of thousands of rows runs one trigger; it
# updates each deal it touched by its key, in the keys' order (a join to the deals would be
# planned blind, the transition table has no statistics: a scan of every deal per statement).
# The counts move by increments (a concurrent link's increment lands on the row version its
# UPDATE waited for); the funnel stage is recomputed from the history (a deal's moves are
# serialised by the services' row lock).
POSTGRESQL = [
    # the deal's own stage changes first (MATERIALIZED): never planned from the stages' side,
    # whatever the statistics say
    """CREATE FUNCTION deals_funnel_stage_of(deal bigint, pipeline bigint) RETURNS bigint
    LANGUAGE sql STABLE AS $$
        WITH entered AS MATERIALIZED (
            SELECT to_stage_id FROM deals_dealstagechange WHERE deal_id = $1
        )
        SELECT s.id FROM entered e JOIN deals_stage s ON s.id = e.to_stage_id
        WHERE s.pipeline_id = $2 AND s.semantics IN ('in_progress', 'won')
        ORDER BY s.sort DESC, s.id DESC LIMIT 1
    $$""",
    """CREATE FUNCTION deals_funnel_stage_keep() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE changed record; pipeline bigint; furthest bigint;
    BEGIN
        FOR changed IN SELECT DISTINCT deal_id FROM changes ORDER BY deal_id LOOP
            SELECT pipeline_id INTO pipeline FROM deals_deal WHERE id = changed.deal_id;
            furthest := deals_funnel_stage_of(changed.deal_id, pipeline);
            UPDATE deals_deal SET funnel_stage_id = furthest
            WHERE id = changed.deal_id AND funnel_stage_id IS DISTINCT FROM furthest;
        END LOOP;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER deals_funnel_stage_after_insert AFTER INSERT ON deals_dealstagechange
       REFERENCING NEW TABLE AS changes FOR EACH STATEMENT
       EXECUTE FUNCTION deals_funnel_stage_keep()""",
    """CREATE TRIGGER deals_funnel_stage_after_delete AFTER DELETE ON deals_dealstagechange
       REFERENCING OLD TABLE AS changes FOR EACH STATEMENT
       EXECUTE FUNCTION deals_funnel_stage_keep()""",
    """CREATE FUNCTION deals_funnel_stage_of_new_pipeline() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        NEW.funnel_stage_id := deals_funnel_stage_of(NEW.id, NEW.pipeline_id);
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER deals_funnel_stage_on_pipeline BEFORE UPDATE OF pipeline_id ON deals_deal
       FOR EACH ROW WHEN (OLD.pipeline_id IS DISTINCT FROM NEW.pipeline_id)
       EXECUTE FUNCTION deals_funnel_stage_of_new_pipeline()""",
    # TG_ARGV[0]: 1 for links inserted, -1 for links deleted
    """CREATE FUNCTION deals_contact_count_change() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE changed record;
    BEGIN
        FOR changed IN SELECT deal_id, COUNT(*) AS links FROM links GROUP BY deal_id
                       ORDER BY deal_id LOOP
            UPDATE deals_deal SET contact_count = contact_count + TG_ARGV[0]::int * changed.links
            WHERE id = changed.deal_id;
        END LOOP;
        RETURN NULL;
    END $$""",
    """CREATE FUNCTION deals_contact_count_move() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE changed record;
    BEGIN
        FOR changed IN SELECT deal_id, SUM(links) AS links FROM (
                           SELECT deal_id, -1 AS links FROM old_links
                           UNION ALL SELECT deal_id, 1 FROM new_links
                       ) moved GROUP BY deal_id HAVING SUM(links) <> 0 ORDER BY deal_id LOOP
            UPDATE deals_deal SET contact_count = contact_count + changed.links
            WHERE id = changed.deal_id;
        END LOOP;
        RETURN NULL;
    END $$""",
    """CREATE TRIGGER deals_contact_count_after_insert AFTER INSERT ON deals_dealcontact
       REFERENCING NEW TABLE AS links FOR EACH STATEMENT
       EXECUTE FUNCTION deals_contact_count_change('1')""",
    """CREATE TRIGGER deals_contact_count_after_delete AFTER DELETE ON deals_dealcontact
       REFERENCING OLD TABLE AS links FOR EACH STATEMENT
       EXECUTE FUNCTION deals_contact_count_change('-1')""",
    """CREATE TRIGGER deals_contact_count_after_update AFTER UPDATE ON deals_dealcontact
       REFERENCING OLD TABLE AS old_links NEW TABLE AS new_links FOR EACH STATEMENT
       EXECUTE FUNCTION deals_contact_count_move()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER deals_contact_count_after_update ON deals_dealcontact",
    "DROP TRIGGER deals_contact_count_after_delete ON deals_dealcontact",
    "DROP TRIGGER deals_contact_count_after_insert ON deals_dealcontact",
    "DROP FUNCTION deals_contact_count_move()",
    "DROP FUNCTION deals_contact_count_change()",
    "DROP TRIGGER deals_funnel_stage_on_pipeline ON deals_deal",
    "DROP FUNCTION deals_funnel_stage_of_new_pipeline()",
    "DROP TRIGGER deals_funnel_stage_after_delete ON deals_dealstagechange",
    "DROP TRIGGER deals_funnel_stage_after_insert ON deals_dealstagechange",
    "DROP FUNCTION deals_funnel_stage_keep()",
    "DROP FUNCTION deals_funnel_stage_of(bigint, bigint)",
]

# SQLite (the demo's database): row-level triggers.
SQLITE_FUNNEL_OF_ROW = FURTHEST_FUNNEL_STAGE.format(
    deal="deals_deal.id", pipeline="deals_deal.pipeline_id"
)
SQLITE = [
    f"""CREATE TRIGGER deals_funnel_stage_after_insert AFTER INSERT ON deals_dealstagechange
    BEGIN
        UPDATE deals_deal SET funnel_stage_id = {SQLITE_FUNNEL_OF_ROW} WHERE id = NEW.deal_id;
    END""",
    f"""CREATE TRIGGER deals_funnel_stage_after_delete AFTER DELETE ON deals_dealstagechange
    BEGIN
        UPDATE deals_deal SET funnel_stage_id = {SQLITE_FUNNEL_OF_ROW} WHERE id = OLD.deal_id;
    END""",
    f"""CREATE TRIGGER deals_funnel_stage_on_pipeline AFTER UPDATE OF pipeline_id ON deals_deal
    WHEN OLD.pipeline_id IS NOT NEW.pipeline_id
    BEGIN
        UPDATE deals_deal SET funnel_stage_id = {SQLITE_FUNNEL_OF_ROW} WHERE id = NEW.id;
    END""",
    """CREATE TRIGGER deals_contact_count_after_insert AFTER INSERT ON deals_dealcontact
    BEGIN
        UPDATE deals_deal SET contact_count = contact_count + 1 WHERE id = NEW.deal_id;
    END""",
    """CREATE TRIGGER deals_contact_count_after_delete AFTER DELETE ON deals_dealcontact
    BEGIN
        UPDATE deals_deal SET contact_count = contact_count - 1 WHERE id = OLD.deal_id;
    END""",
    """CREATE TRIGGER deals_contact_count_after_update AFTER UPDATE OF deal_id ON deals_dealcontact
    WHEN OLD.deal_id IS NOT NEW.deal_id
    BEGIN
        UPDATE deals_deal SET contact_count = contact_count - 1 WHERE id = OLD.deal_id;
        UPDATE deals_deal SET contact_count = contact_count + 1 WHERE id = NEW.deal_id;
    END""",
]
SQLITE_DROP = [
    f"DROP TRIGGER {name}"
    for name in (
        "deals_funnel_stage_after_insert",
        "deals_funnel_stage_after_delete",
        "deals_funnel_stage_on_pipeline",
        "deals_contact_count_after_insert",
        "deals_contact_count_after_delete",
        "deals_contact_count_after_update",
    )
]
# the existing deals' figures, once
BACKFILL = """
UPDATE deals_deal SET
    contact_count = (SELECT COUNT(*) FROM deals_dealcontact l WHERE l.deal_id = deals_deal.id),
    funnel_stage_id = {furthest}
"""


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("deals", "0002_add_deal_shares"),
        ("leads", "0002_add_lead_shares"),
    ]

    operations = [
        # first, while the table has no triggers (SQLite rebuilds it to drop the old index)
        migrations.AlterField(
            model_name="deal",
            name="campaign",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="deals",
                to="leads.campaign",
                verbose_name="campaign",
            ),
        ),
        migrations.AddIndex(
            model_name="deal",
            index=models.Index(
                condition=models.Q(("campaign__isnull", False)),
                fields=["campaign"],
                include=("stage", "amount", "currency", "created_at", "closed_at"),
                name="deal_campaign_figures",
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="contact_count",
            field=models.PositiveIntegerField(
                db_default=0, default=0, editable=False, verbose_name="contacts"
            ),
        ),
        migrations.AddField(
            model_name="deal",
            name="funnel_stage",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="deals.stage",
                verbose_name="furthest funnel stage",
            ),
        ),
        migrations.RunPython(
            _run({
                "postgresql": [
                    *POSTGRESQL,
                    BACKFILL.format(furthest="deals_funnel_stage_of(id, pipeline_id)"),
                ],
                "sqlite": [*SQLITE, BACKFILL.format(furthest=SQLITE_FUNNEL_OF_ROW)],
            }),
            _run({"postgresql": POSTGRESQL_DROP, "sqlite": SQLITE_DROP}),
        ),
    ]
