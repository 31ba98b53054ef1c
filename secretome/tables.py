"""Tables of the secretome app (pages and downloads)."""

import django_tables2 as tables

from evidence.base.tables import ExportColumn, ManyColumn, ProvenanceTable
from secretome.models import Component, GeneticModification, Preconditioning


class ComponentTable(tables.Table):
    name = tables.Column(linkify=True)
    abbreviation = tables.Column()
    kind = tables.Column()
    finding_count = tables.Column(verbose_name="Findings")
    aliases = ExportColumn(verbose_name="Aliases")
    slug = ExportColumn(verbose_name="Slug")

    class Meta:
        model = Component
        fields = ("name", "abbreviation", "kind", "finding_count")
        attrs = {"class": "data-table"}

    def value_aliases(self, value):
        return "; ".join(value)


class PreconditioningTable(ProvenanceTable):
    name = tables.Column(linkify=True)
    category = tables.Column()
    agent = tables.Column()
    effects = ManyColumn()
    effect_text = ExportColumn(verbose_name="Effect (as printed)")

    class Meta(ProvenanceTable.Meta):
        model = Preconditioning
        fields = ()
        sequence = ("name", "category", "agent", "effects", "...")


class GeneticModificationTable(ProvenanceTable):
    # Every row links to its record, an unpaired factor too (empty_values=()).
    factor_as_printed = tables.Column(
        linkify=True, verbose_name="Factor", empty_values=()
    )
    component = tables.Column(linkify=True, order_by="component__name")
    cell_source = tables.Column(linkify=True, order_by="cell_source__name")
    method = tables.Column()
    conditions = ManyColumn()
    disease_as_printed = tables.Column(verbose_name="Disease model (as printed)")
    source_as_printed = ExportColumn(verbose_name="MSC source (as printed)")
    method_as_printed = ExportColumn(verbose_name="Method (as printed)")

    class Meta(ProvenanceTable.Meta):
        model = GeneticModification
        fields = ()
        sequence = (
            "factor_as_printed",
            "component",
            "cell_source",
            "method",
            "conditions",
            "disease_as_printed",
            "...",
        )

    def render_factor_as_printed(self, value):
        return value or "factor not paired"

    def value_factor_as_printed(self, value):
        return value
