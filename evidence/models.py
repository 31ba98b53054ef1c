"""The vocabulary app's models: publications, review references, conditions, cell
sources, therapies, comparison points and releases."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from evidence import choices
from evidence.base.citation_parsing import validate_author_names
from evidence.base.models import (
    DOI_REGEX,
    SLUG_REGEX,
    YEAR_VALIDATORS,
    ProvenanceModel,
    TimeStampedModel,
    VocabularyModel,
    doi_validator,
    refuse_numeric_slug,
)
from evidence.base.reversing import slug_url
from evidence.querysets import (
    CellSourceQuerySet,
    ConditionQuerySet,
    PublicationQuerySet,
    TherapyQuerySet,
)


class Publication(TimeStampedModel):
    """A review, primary paper or registry record, identified by DOI where it has one."""

    slug = models.SlugField(max_length=120, unique=True)
    doi = models.CharField(
        "DOI",
        max_length=200,
        unique=True,
        null=True,
        blank=True,
        validators=[doi_validator],
    )
    pmid = models.PositiveIntegerField("PMID", unique=True, null=True, blank=True)
    title = models.TextField()
    authors = models.TextField(
        "authors as printed", blank=True, help_text='As printed: "Adler CJ, et al."'
    )
    # The citation's parts (evidence.base.citation_parsing parses the printed text into them).
    author_names = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_author_names],
        help_text='The authors in order, each {"family": ..., "given": ...}.',
    )
    et_al = models.BooleanField(
        "et al.", default=False, help_text="The printed author list ends in et al."
    )
    journal = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=YEAR_VALIDATORS
    )
    volume_pages = models.CharField(
        "volume and pages as printed", max_length=200, blank=True
    )
    volume = models.CharField(max_length=40, blank=True)
    issue = models.CharField(max_length=40, blank=True)
    first_page = models.CharField(max_length=20, blank=True)
    last_page = models.CharField(max_length=20, blank=True)
    kind = models.CharField(
        max_length=20,
        choices=choices.PublicationKind.choices,
        default=choices.PublicationKind.PRIMARY,
    )
    citation_as_printed = models.TextField(blank=True)
    record_source = models.TextField(
        blank=True,
        help_text="Where this record's identifiers and bibliographic fields come from "
        "when no review prints an entry for it (a public source, named).",
    )

    objects = PublicationQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["slug"]
        constraints = [
            models.CheckConstraint(
                condition=Q(doi__isnull=True) | Q(doi__regex=DOI_REGEX),
                name="publication_doi_format",
            ),
            models.CheckConstraint(
                condition=Q(year__isnull=True) | Q(year__gte=1900, year__lte=2100),
                name="publication_year_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=choices.PublicationKind.values),
                name="publication_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(slug__regex=SLUG_REGEX), name="publication_slug_format"
            ),
        ]

    def __str__(self) -> str:
        first = self.authors.split(",")[0].strip() if self.authors else self.slug
        return f"{first} ({self.year})" if self.year else first

    def get_absolute_url(self) -> str:
        return slug_url("evidence:publication_detail", self.slug)

    def clean(self) -> None:
        super().clean()
        refuse_numeric_slug(self.slug)

    @property
    def doi_url(self) -> str:
        return f"https://doi.org/{self.doi}" if self.doi else ""


class ReviewReference(TimeStampedModel):
    """A numbered entry of a review's reference list, optionally resolved."""

    review = models.ForeignKey(
        Publication,
        on_delete=models.CASCADE,
        related_name="reference_list",
        limit_choices_to={"kind": choices.PublicationKind.REVIEW},
    )
    number = models.PositiveSmallIntegerField()
    citation_as_printed = models.TextField(blank=True)
    publication = models.ForeignKey(
        Publication,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="cited_as",
    )
    resolution_source = models.CharField(
        max_length=300,
        blank=True,
        help_text="Where the publication of this reference was found (a public source).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["review__slug", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "number"], name="reviewreference_unique_number"
            ),
            models.CheckConstraint(
                condition=Q(number__gte=1), name="reviewreference_number_positive"
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """ "Foo (2021), reference [154]" (the review selected with the reference)."""
        return f"{self.review}, reference [{self.number}]"


class Condition(VocabularyModel):
    """A disease or indication, with its body-system category and synonyms."""

    category = models.CharField(
        max_length=30,
        choices=choices.ConditionCategory.choices,
        default=choices.ConditionCategory.OTHER,
    )
    synonyms = models.JSONField(default=list, blank=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The broader condition this one is a form of (knee osteoarthritis: "
        "osteoarthritis).",
    )
    is_grouping = models.BooleanField(
        default=False,
        help_text="A grouping term added by the curators to hold narrower conditions "
        "(no record of the reviews is linked to it directly).",
    )
    curator_note = models.TextField(
        blank=True,
        help_text="Why the curators placed this condition here; a grouping says "
        '"curator grouping: <reason>".',
    )

    objects = ConditionQuerySet.as_manager()

    class Meta(VocabularyModel.Meta):
        constraints = [
            *VocabularyModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(category__in=choices.ConditionCategory.values),
                name="condition_category_valid",
            ),
            # Longer cycles are refused by clean() and the loader; this one the
            # database refuses whatever the channel.
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(parent=F("pk")),
                name="condition_not_own_parent",
                violation_error_message="A condition cannot be its own parent.",
            ),
            models.CheckConstraint(
                condition=Q(is_grouping=False)
                | Q(curator_note__startswith="curator grouping"),
                name="condition_grouping_says_why",
                violation_error_message="A grouping needs a curator note starting "
                '"curator grouping" with the reason.',
            ),
        ]

    def get_absolute_url(self) -> str:
        return slug_url("evidence:condition_detail", self.slug)

    def clean(self) -> None:
        super().clean()
        if self.parent_id is None:
            return
        if self.pk is not None and self.parent_id == self.pk:
            raise ValidationError({"parent": "A condition cannot be its own parent."})
        if self.pk is not None and self.pk in Condition.objects.tree().ancestor_ids(
            self.parent_id
        ):
            raise ValidationError(
                {
                    "parent": "This parent would make a cycle: the condition would "
                    "be its own ancestor."
                }
            )


class CellSource(VocabularyModel):
    """Tissue of origin and cell type of a cell product (bone marrow MSC, hESC-RPE ...)."""

    tissue = models.CharField(max_length=200, blank=True)
    cell_type = models.CharField(max_length=200, blank=True)
    potency = models.CharField(
        max_length=20, choices=choices.Potency.choices, default=choices.Potency.UNKNOWN
    )
    species = models.CharField(
        max_length=20, choices=choices.Species.choices, default=choices.Species.HUMAN
    )

    objects = CellSourceQuerySet.as_manager()

    class Meta(VocabularyModel.Meta):
        constraints = [
            *VocabularyModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(potency__in=choices.Potency.values),
                name="cellsource_potency_valid",
            ),
            models.CheckConstraint(
                condition=Q(species__in=choices.Species.values),
                name="cellsource_species_valid",
            ),
        ]

    def get_absolute_url(self) -> str:
        return slug_url("evidence:cellsource_detail", self.slug)


class Therapy(ProvenanceModel):
    """A product: living cells or a cell-free derivative, with its lineage."""

    # Its label is its name (`__str__`): the facet of `?therapy=` reads it with the counts.
    label_is_name = True

    name = models.CharField(max_length=300)
    modality = models.CharField(max_length=30, choices=choices.Modality.choices)
    cell_source = models.ForeignKey(
        CellSource,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="therapies",
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="derived_products",
        help_text="For a cell-free product: the cell product it is made from.",
    )
    donor_type = models.CharField(
        max_length=20,
        choices=choices.DonorType.choices,
        default=choices.DonorType.UNKNOWN,
    )
    preconditioning = models.TextField(blank=True)
    genetic_modification = models.TextField(blank=True)
    brand_name = models.CharField(max_length=200, blank=True)
    market_approvals = models.TextField(blank=True)
    description = models.TextField(blank=True)

    objects = TherapyQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "therapies"
        indexes = [models.Index(fields=["modality"], name="therapy_modality_idx")]
        constraints = [
            *ProvenanceModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(modality__in=choices.Modality.values),
                name="therapy_modality_valid",
            ),
            models.CheckConstraint(
                condition=Q(donor_type__in=choices.DonorType.values),
                name="therapy_donor_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(parent__isnull=True) | ~Q(modality=choices.Modality.CELLS),
                name="therapy_parent_only_for_cell_free",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return slug_url("evidence:therapy_detail", self.slug)

    @property
    def is_cell_free(self) -> bool:
        return self.modality != choices.Modality.CELLS

    def lineage(self) -> list["Therapy"]:
        """This product and its ancestors, nearest first (cycles are cut)."""
        chain: list[Therapy] = [self]
        seen = {self.pk}
        node = self.parent
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return chain


COMPARISON_TITLE_LENGTH = 80


class ComparisonPoint(ProvenanceModel):
    """One item of the stem cell vs secretome comparison (Table 4, Figure 5)."""

    aspect = models.CharField(max_length=20, choices=choices.ComparisonAspect.choices)
    side = models.CharField(max_length=20, choices=choices.ComparisonSide.choices)
    ordinal = models.PositiveSmallIntegerField(default=1)
    text = models.TextField()

    class Meta:
        ordering = ["aspect", "side", "ordinal"]
        constraints = [
            *ProvenanceModel.Meta.constraints,
            models.CheckConstraint(
                condition=Q(aspect__in=choices.ComparisonAspect.values),
                name="comparisonpoint_aspect_valid",
            ),
            models.CheckConstraint(
                condition=Q(side__in=choices.ComparisonSide.values),
                name="comparisonpoint_side_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.display_title

    @property
    def display_title(self) -> str:
        """ "Secretome · Disadvantages: Lack of understanding on its mechanism of…"."""
        text = " ".join(self.text.split())
        if len(text) > COMPARISON_TITLE_LENGTH:
            text = text[: COMPARISON_TITLE_LENGTH - 1].rstrip() + "…"
        return f"{self.get_side_display()} · {self.get_aspect_display()}: {text}"


class Release(TimeStampedModel):
    """A published, dated snapshot of the curated dataset."""

    version = models.CharField(max_length=40, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    manifest = models.JSONField(default=dict)
    fingerprints = models.JSONField(
        default=dict, help_text="entity -> natural key -> checksum of the record."
    )

    class Meta:
        ordering = ["-created"]
        permissions = [("publish_release", "Can publish a release of the dataset")]
        constraints = [
            models.CheckConstraint(
                condition=Q(version__regex=r"^[0-9A-Za-z][0-9A-Za-z.+-]*$"),
                name="release_version_format",
                violation_error_message="A version is letters, digits, dots, + and -.",
            ),
        ]

    def __str__(self) -> str:
        return self.version
