"""Evidence from use in patients and models: trials, studies, trial counts."""

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q

from evidence import choices as evidence_choices
from evidence.base.formatting import (
    choice_label,
    format_dose,
    is_locator_title,
    related_names,
    title_of,
)
from evidence.base.models import (
    YEAR_VALIDATORS,
    ProvenanceModel,
    VocabularyModel,
    finite_constraint,
    validate_finite,
)
from evidence.base.reversing import slug_url
from trials import choices
from trials.querysets import StudyQuerySet, TrialCountQuerySet, TrialQuerySet

NCT_REGEX = r"^NCT[0-9]{8}$"
nct_validator = RegexValidator(
    NCT_REGEX, "An NCT id is 'NCT' followed by 8 digits, e.g. NCT04491240."
)


class OutcomeClass(VocabularyModel):
    """A class of trial outcome (safe, feasible, effective ...)."""

    class Meta(VocabularyModel.Meta):
        verbose_name_plural = "outcome classes"
        ordering = ["slug"]


class ModelSystem(VocabularyModel):
    """A model system a study used (cells, mouse, rat, rabbit, human ...)."""

    class Meta(VocabularyModel.Meta):
        ordering = ["slug"]


class EvidenceLevelMixin(models.Model):
    """A derived evidence level (A-E) that a curator may override with a reason."""

    evidence_level = models.CharField(
        max_length=1,
        choices=evidence_choices.EvidenceLevel.choices,
        blank=True,
        help_text="Effective level: the override if set, else derived.",
    )
    evidence_level_derived = models.CharField(
        max_length=1, choices=evidence_choices.EvidenceLevel.choices, blank=True
    )
    evidence_level_override = models.CharField(
        max_length=1, choices=evidence_choices.EvidenceLevel.choices, blank=True
    )
    evidence_level_reason = models.TextField(blank=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(evidence_level_override="") | ~Q(evidence_level_reason=""),
                name="%(app_label)s_%(class)s_override_needs_reason",
                violation_error_message="An evidence level override needs a reason.",
            ),
            models.CheckConstraint(
                condition=Q(evidence_level__in=["", "A", "B", "C", "D", "E"])
                & Q(evidence_level_override__in=["", "A", "B", "C", "D", "E"]),
                name="%(app_label)s_%(class)s_evidence_level_valid",
            ),
        ]


class ClinicalTrial(EvidenceLevelMixin, ProvenanceModel):
    """A clinical trial of a cell or cell-free therapy, as a review reports it."""

    nct_id = models.CharField(
        "NCT id",
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[nct_validator],
    )
    design_as_printed = models.TextField(blank=True)
    phase = models.CharField(
        max_length=10, choices=choices.Phase.choices, default=choices.Phase.NA
    )
    phase_as_printed = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=20,
        choices=choices.TrialStatus.choices,
        default=choices.TrialStatus.UNKNOWN,
    )
    stem_cell_type_as_printed = models.CharField(max_length=200, blank=True)
    conditions = models.ManyToManyField(
        "evidence.Condition", related_name="trials", blank=True
    )
    condition_as_printed = models.CharField(max_length=300, blank=True)
    therapy = models.ForeignKey(
        "evidence.Therapy", on_delete=models.PROTECT, related_name="trials"
    )
    donor_type = models.CharField(
        max_length=20,
        choices=evidence_choices.DonorType.choices,
        default=evidence_choices.DonorType.UNKNOWN,
    )
    dose_as_printed = models.CharField(max_length=300, blank=True)
    dose_low = models.FloatField(null=True, blank=True, validators=[validate_finite])
    dose_high = models.FloatField(null=True, blank=True, validators=[validate_finite])
    dose_unit = models.CharField(max_length=60, blank=True)
    dose_basis = models.CharField(
        max_length=20, choices=choices.DoseBasis.choices, blank=True
    )
    dose_frequency = models.CharField(
        max_length=200,
        blank=True,
        help_text='How often or how long, as printed ("for 5 days", "3 doses").',
    )
    route = models.CharField(
        max_length=30,
        choices=choices.Route.choices,
        default=choices.Route.NOT_REPORTED,
    )
    route_as_printed = models.CharField(max_length=300, blank=True)
    outcome_as_printed = models.TextField(blank=True)
    outcome_classes = models.ManyToManyField(
        OutcomeClass, related_name="trials", blank=True
    )

    objects = TrialQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        constraints = [
            *ProvenanceModel.Meta.constraints,
            *EvidenceLevelMixin.Meta.constraints,
            finite_constraint("dose_low", "clinicaltrial_dose_low_finite"),
            finite_constraint("dose_high", "clinicaltrial_dose_high_finite"),
            models.CheckConstraint(
                condition=Q(nct_id__isnull=True) | Q(nct_id__regex=NCT_REGEX),
                name="clinicaltrial_nct_id_format",
            ),
            models.CheckConstraint(
                condition=Q(phase__in=choices.Phase.values),
                name="clinicaltrial_phase_valid",
            ),
            models.CheckConstraint(
                condition=Q(status__in=choices.TrialStatus.values),
                name="clinicaltrial_status_valid",
            ),
            models.CheckConstraint(
                condition=Q(route__in=choices.Route.values),
                name="clinicaltrial_route_valid",
            ),
            models.CheckConstraint(
                condition=Q(dose_basis__in=choices.DoseBasis.values),
                name="clinicaltrial_dose_basis_valid",
            ),
            models.CheckConstraint(
                condition=Q(dose_low__isnull=True)
                | Q(dose_high__isnull=True)
                | Q(dose_low__lte=models.F("dose_high")),
                name="clinicaltrial_dose_range_ordered",
                violation_error_message="The low dose must not exceed the high dose.",
            ),
            models.CheckConstraint(
                condition=Q(dose_low__isnull=True) | ~Q(dose_unit=""),
                name="clinicaltrial_dose_needs_unit",
                violation_error_message="A parsed dose needs its unit.",
            ),
        ]
        indexes = [
            models.Index(fields=["phase"], name="trial_phase_idx"),
            models.Index(fields=["route"], name="trial_route_idx"),
            models.Index(fields=["status"], name="trial_status_idx"),
            models.Index(fields=["evidence_level"], name="trial_level_idx"),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return slug_url("trials:trial_detail", self.slug)

    @property
    def display_title(self) -> str:
        """Condition(s) · product · phase · NCT id, e.g. "Stargardt macular dystrophy ·
        hESC-derived RPE · Phase I/II · NCT02941991" (reads the prefetched conditions
        and the selected therapy of `with_list_related()`)."""
        return title_of(
            related_names(self, "conditions") or self.condition_as_printed,
            self.therapy.name if self.therapy_id else self.stem_cell_type_as_printed,
            choice_label(choices.Phase, self.phase)
            if self.phase != choices.Phase.NA
            else "",
            self.nct_id or "",
            fallback="Clinical trial",
        )

    @property
    def dose_text(self) -> str:
        """The normalised dose as a reader writes it ("" when not parsed)."""
        return format_dose(
            self.dose_low,
            self.dose_high,
            self.dose_unit,
            self.dose_basis,
            self.dose_frequency,
        )

    @property
    def registry_url(self) -> str:
        return f"https://clinicaltrials.gov/study/{self.nct_id}" if self.nct_id else ""


class Study(EvidenceLevelMixin, ProvenanceModel):
    """A primary study (pre-clinical or clinical) that a review summarises."""

    title = models.CharField(max_length=300)
    authors_as_printed = models.CharField(max_length=300, blank=True)
    stage = models.CharField(
        max_length=20,
        choices=choices.StudyStage.choices,
        default=choices.StudyStage.UNKNOWN,
    )
    model_systems = models.ManyToManyField(
        ModelSystem, related_name="studies", blank=True
    )
    model_as_printed = models.CharField(max_length=300, blank=True)
    conditions = models.ManyToManyField(
        "evidence.Condition", related_name="studies", blank=True
    )
    condition_as_printed = models.CharField(max_length=300, blank=True)
    therapy = models.ForeignKey(
        "evidence.Therapy",
        on_delete=models.PROTECT,
        related_name="studies",
        null=True,
        blank=True,
    )
    cell_as_printed = models.CharField(max_length=300, blank=True)
    application_method = models.TextField(blank=True)
    route = models.CharField(
        max_length=30,
        choices=choices.Route.choices,
        default=choices.Route.NOT_REPORTED,
    )
    dose_as_printed = models.CharField(max_length=300, blank=True)
    scaffold = models.CharField(max_length=300, blank=True)
    findings = models.TextField(blank=True)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=YEAR_VALIDATORS
    )
    publication = models.ForeignKey(
        "evidence.Publication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="studies",
    )

    objects = StudyQuerySet.as_manager()

    class Meta:
        ordering = ["slug"]
        verbose_name_plural = "studies"
        constraints = [
            *ProvenanceModel.Meta.constraints,
            *EvidenceLevelMixin.Meta.constraints,
            models.CheckConstraint(
                condition=Q(stage__in=choices.StudyStage.values),
                name="study_stage_valid",
            ),
            models.CheckConstraint(
                condition=Q(route__in=choices.Route.values),
                name="study_route_valid",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2100),
                name="study_year_range",
            ),
        ]
        indexes = [
            models.Index(fields=["stage"], name="study_stage_idx"),
            models.Index(fields=["year"], name="study_year_idx"),
            models.Index(fields=["evidence_level"], name="study_level_idx"),
        ]

    def __str__(self) -> str:
        return self.display_title

    def get_absolute_url(self) -> str:
        return slug_url("trials:study_detail", self.slug)

    @property
    def display_title(self) -> str:
        """Condition or model · product · model systems · first author and year, e.g.
        "Bronchopulmonary dysplasia · MSC conditioned medium · Cells, Mouse · Leeman
        et al. 2019". The stored `title` joins only when it is not a locator ("Foo
        2021 Table 1 row 1")."""
        return title_of(
            related_names(self, "conditions")
            or self.condition_as_printed
            or self.model_as_printed,
            self.therapy.name if self.therapy_id else self.cell_as_printed,
            related_names(self, "model_systems"),
            self.author_year,
            fallback=self.title,
        )

    @property
    def author_year(self) -> str:
        """ "Leeman et al. 2019" from the authors as printed and the year, else the
        stored title when it is a name and year rather than a locator."""
        first = self.authors_as_printed.split(",")[0].strip()
        if first.endswith("et al"):
            first += "."
        if first:
            return f"{first} {self.year}" if self.year else first
        if self.title and not is_locator_title(self.title):
            return self.title
        return str(self.year or "")


class TrialCountSnapshot(ProvenanceModel):
    """A count of registered trials by phase for one series (Figure 4)."""

    series = models.CharField(max_length=20, choices=choices.TrialCountSeries.choices)
    phase = models.CharField(max_length=10, choices=choices.Phase.choices)
    count = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty where the figure cannot be read."
    )
    as_of_year = models.PositiveSmallIntegerField()
    accessed = models.DateField(null=True, blank=True)

    objects = TrialCountQuerySet.as_manager()

    class Meta:
        ordering = ["series", "phase"]
        constraints = [
            *ProvenanceModel.Meta.constraints,
            models.UniqueConstraint(
                fields=["series", "phase"], name="trialcount_unique_series_phase"
            ),
            models.CheckConstraint(
                condition=Q(series__in=choices.TrialCountSeries.values),
                name="trialcount_series_valid",
            ),
            models.CheckConstraint(
                condition=Q(phase__in=choices.Phase.values),
                name="trialcount_phase_valid",
            ),
            models.CheckConstraint(
                condition=Q(as_of_year__gte=1900, as_of_year__lte=2100),
                name="trialcount_year_range",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """ "MSC (as of 2021) · Phase I: 120 registered trials" ("count not readable"
        where the figure cannot be read)."""
        count = (
            "count not readable"
            if self.count is None
            else f"{self.count:,} registered trial{'' if self.count == 1 else 's'}"
        )
        return f"{self.get_series_display()} · {self.get_phase_display()}: {count}"
