"""Tables of the vocabulary app's lists."""

from __future__ import annotations

import django_tables2 as tables

from evidence.base.tables import DOIColumn, ExportColumn, ProvenanceTable
from evidence.models import CellSource, Condition, Publication, Therapy


class PublicationTable(tables.Table):
    title = tables.Column(linkify=True)
    authors = tables.Column()
    year = tables.Column()
    journal = tables.Column()
    kind = tables.Column()
    doi = DOIColumn()
    slug = ExportColumn(verbose_name="Slug")
    pmid = ExportColumn(verbose_name="PMID")
    volume_pages = ExportColumn(verbose_name="Volume and pages")

    class Meta:
        model = Publication
        fields = ("title", "authors", "year", "journal", "kind", "doi")
        attrs = {"class": "data-table"}


class ConditionTable(tables.Table):
    name = tables.Column(linkify=True)
    category = tables.Column()
    synonyms = tables.Column(orderable=False)
    trial_count = tables.Column(verbose_name="Trials")
    study_count = tables.Column(verbose_name="Studies")
    slug = ExportColumn(verbose_name="Slug")

    class Meta:
        model = Condition
        fields = ("name", "category", "synonyms", "trial_count", "study_count")
        attrs = {"class": "data-table"}

    def render_synonyms(self, value):
        return ", ".join(value)

    def value_synonyms(self, value):
        return "; ".join(value)


class CellSourceTable(tables.Table):
    name = tables.Column(linkify=True)
    tissue = tables.Column()
    cell_type = tables.Column()
    potency = tables.Column()
    species = tables.Column()
    therapy_count = tables.Column(verbose_name="Therapies")
    slug = ExportColumn(verbose_name="Slug")

    class Meta:
        model = CellSource
        fields = ("name", "tissue", "cell_type", "potency", "species", "therapy_count")
        attrs = {"class": "data-table"}


class TherapyTable(ProvenanceTable):
    name = tables.Column(linkify=True)
    modality = tables.Column()
    cell_source = tables.Column(linkify=True, order_by="cell_source__name")
    parent = tables.Column(
        linkify=True, verbose_name="Made from", order_by="parent__name"
    )
    donor_type = tables.Column()
    brand_name = tables.Column()
    trial_count = tables.Column(verbose_name="Trials")
    study_count = tables.Column(verbose_name="Studies")
    description = ExportColumn()
    market_approvals = ExportColumn()

    class Meta(ProvenanceTable.Meta):
        model = Therapy
        fields = (
            "name",
            "modality",
            "cell_source",
            "parent",
            "donor_type",
            "brand_name",
            "trial_count",
            "study_count",
        )
        sequence = (*fields, "...")
