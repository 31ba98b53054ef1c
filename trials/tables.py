"""Tables of trials and studies (pages and downloads)."""

import django_tables2 as tables

from evidence.base.tables import (
    DOIColumn,
    ExportColumn,
    ManyColumn,
    ProvenanceTable,
    gives_accessor_label,
)
from trials.models import ClinicalTrial, Study


class TherapyColumnsTable(ProvenanceTable):
    """The therapy, its modality and its cell source: columns of trials and studies."""

    therapy = tables.Column(linkify=True, order_by="therapy__name")
    modality = tables.Column(
        accessor="therapy__modality",
        verbose_name="Modality",
        order_by="therapy__modality",
    )
    cell_source = tables.Column(
        accessor="therapy__cell_source",
        linkify=True,
        verbose_name="Cell source",
        order_by="therapy__cell_source__name",
    )

    def render_modality(self, record):
        return record.therapy.get_modality_display()

    @gives_accessor_label
    def value_modality(self, record):
        return record.therapy.get_modality_display()


class TrialTable(TherapyColumnsTable):
    trial = tables.Column(
        accessor="pk", linkify=True, verbose_name="Trial", order_by=("nct_id", "slug")
    )
    nct_id = ExportColumn(verbose_name="NCT id")
    phase = tables.Column()
    status = tables.Column()
    conditions = ManyColumn()
    route = tables.Column()
    dose = tables.Column(
        accessor="pk", verbose_name="Dose", order_by=("dose_unit", "dose_low")
    )
    outcome_classes = ManyColumn(linkify_item=False, verbose_name="Outcome")
    evidence_level = tables.Column(verbose_name="Level")
    design_as_printed = ExportColumn(verbose_name="Design (as printed)")
    condition_as_printed = ExportColumn(verbose_name="Condition (as printed)")
    stem_cell_type_as_printed = ExportColumn(verbose_name="Stem cell type (as printed)")
    dose_as_printed = ExportColumn(verbose_name="Dose (as printed)")
    dose_low = ExportColumn(verbose_name="Dose low")
    dose_high = ExportColumn(verbose_name="Dose high")
    dose_unit = ExportColumn(verbose_name="Dose unit")
    dose_basis = ExportColumn(verbose_name="Dose basis")
    dose_frequency = ExportColumn(verbose_name="Dose frequency (as printed)")
    route_as_printed = ExportColumn(verbose_name="Route (as printed)")
    outcome_as_printed = ExportColumn(verbose_name="Outcome (as printed)")
    donor_type = ExportColumn(verbose_name="Donor type")

    class Meta(TherapyColumnsTable.Meta):
        model = ClinicalTrial
        fields = ()
        sequence = (
            "trial",
            "phase",
            "status",
            "conditions",
            "therapy",
            "modality",
            "cell_source",
            "route",
            "dose",
            "outcome_classes",
            "evidence_level",
            "...",
        )

    def render_trial(self, record):
        return record.display_title

    def value_trial(self, record):
        return record.display_title

    def render_dose(self, record):
        return record.dose_text or "—"

    def value_dose(self, record):
        # The formatted dose beside the numeric columns (dose_low ... dose_frequency).
        return record.dose_text

    def value_dose_basis(self, record):
        return record.dose_basis


class StudyTable(TherapyColumnsTable):
    # The title built from the study's content (Study.display_title), not the stored
    # `title`, which for table rows is a locator ("Foo 2021 Table 1 row 1").
    title = tables.Column(
        accessor="pk",
        linkify=True,
        verbose_name="Study",
        order_by=("condition_as_printed", "slug"),
    )
    year = tables.Column()
    stage = tables.Column()
    model_systems = ManyColumn(linkify_item=False, verbose_name="Models")
    conditions = ManyColumn()
    evidence_level = tables.Column(verbose_name="Level")
    doi = DOIColumn(accessor="publication__doi", order_by="publication__doi")
    authors_as_printed = ExportColumn(verbose_name="Authors (as printed)")
    model_as_printed = ExportColumn(verbose_name="Model (as printed)")
    condition_as_printed = ExportColumn(verbose_name="Condition (as printed)")
    cell_as_printed = ExportColumn(verbose_name="Cells (as printed)")
    application_method = ExportColumn(verbose_name="Application method")
    route = ExportColumn(verbose_name="Route")
    dose_as_printed = ExportColumn(verbose_name="Dose (as printed)")
    scaffold = ExportColumn(verbose_name="Scaffold")
    findings = ExportColumn(verbose_name="Findings")

    class Meta(TherapyColumnsTable.Meta):
        model = Study
        fields = ()
        sequence = (
            "title",
            "year",
            "stage",
            "model_systems",
            "conditions",
            "therapy",
            "modality",
            "cell_source",
            "evidence_level",
            "doi",
            "...",
        )

    def render_title(self, record):
        return record.display_title

    def value_title(self, record):
        return record.display_title
