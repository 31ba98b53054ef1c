"""What every app's models build on: the abstract bases (timestamps and version, the
vocabulary base, provenance) and the shared validators and constraints."""

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from evidence import choices
from evidence.base.querysets import CuratedQuerySet, prefetched

DOI_REGEX = r"^10\.[0-9]{4,9}/[^\s]+$"
SLUG_REGEX = r"^[a-z0-9]+(-[a-z0-9]+)*$"


def validate_finite(value) -> None:
    """Refuse inf, -inf, nan and magnitudes no database column can hold as a number."""
    if value is None:
        return
    if not is_storable_number(value):
        raise ValidationError(
            "Enter a finite number below 1e300 in magnitude (got %(value)s).",
            code="not_finite",
            params={"value": value},
        )


# Every stored float is below this in magnitude; a database check says so too.
FINITE_LIMIT = 1e300


def is_storable_number(value: float) -> bool:
    """Finite and below FINITE_LIMIT in magnitude (the rule of validate_finite)."""
    return math.isfinite(value) and abs(value) < FINITE_LIMIT


def finite_constraint(field_name: str, name: str) -> models.CheckConstraint:
    """The database's half of validate_finite (NaN compares above every number in
    PostgreSQL, and SQLite stores NaN as NULL, so the range test refuses all three)."""
    return models.CheckConstraint(
        condition=Q(**{f"{field_name}__isnull": True})
        | Q(
            **{
                f"{field_name}__gt": -FINITE_LIMIT,
                f"{field_name}__lt": FINITE_LIMIT,
            }
        ),
        name=name,
        violation_error_message=f"{field_name} must be a finite number.",
    )


def refuse_numeric_slug(slug: str) -> None:
    """A slug of digits only would read as a database id in API URLs (D16)."""
    if slug and slug.isdigit():
        raise ValidationError(
            {
                "slug": ValidationError(
                    "A slug of digits only would read as a database id; add a letter.",
                    code="numeric_slug",
                )
            }
        )


doi_validator = RegexValidator(
    DOI_REGEX, "A DOI looks like 10.1155/2021/2616807 (no 'doi:' or URL prefix)."
)
YEAR_VALIDATORS = [
    MinValueValidator(1900, "Year must be 1900 or later."),
    MaxValueValidator(2100, "Year must be 2100 or earlier."),
]


class TimeStampedModel(models.Model):
    """Creation and modification times."""

    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)
    # Bumped by every write (evidence.base.writes.record_save), inside the write's transaction:
    # the admin's stale-save check and the API's compare-and-set read it under a row lock.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        abstract = True


class VocabularyModel(TimeStampedModel):
    """A controlled-vocabulary term identified by a slug."""

    slug = models.SlugField(max_length=120, unique=True)
    name = models.CharField(max_length=200)

    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=SLUG_REGEX),
                name="%(app_label)s_%(class)s_slug_format",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        super().clean()
        refuse_numeric_slug(self.slug)


class ProvenanceModel(TimeStampedModel):
    """A curated record that says where it came from (review, locator, citations)."""

    slug = models.SlugField(max_length=120, unique=True)
    source_review = models.ForeignKey(
        "evidence.Publication",
        on_delete=models.PROTECT,
        related_name="%(app_label)s_%(class)s_extracted",
        limit_choices_to={"kind": choices.PublicationKind.REVIEW},
        help_text="The review this record was extracted from.",
    )
    locator = models.CharField(
        max_length=200,
        help_text='Where in the review: "Table 2, row 7", "Section 4.2".',
    )
    cited_references = models.ManyToManyField(
        "evidence.ReviewReference",
        blank=True,
        related_name="%(app_label)s_%(class)s_citing",
        help_text="The review's numbered references cited for this record.",
    )
    primary_publication = models.ForeignKey(
        "evidence.Publication",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="%(app_label)s_%(class)s_primary",
    )
    verification_status = models.CharField(
        max_length=20,
        choices=choices.VerificationStatus.choices,
        default=choices.VerificationStatus.EXTRACTED,
    )
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    verified_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.CharField(
        max_length=500, blank=True, help_text="Public source that confirmed the record."
    )
    flags = models.JSONField(
        default=list, blank=True, help_text="Uncertain or undeterminable values."
    )

    objects = CuratedQuerySet.as_manager()
    history = HistoricalRecords(inherit=True)

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=SLUG_REGEX),
                name="%(app_label)s_%(class)s_slug_format",
            ),
            models.CheckConstraint(
                condition=~Q(locator=""),
                name="%(app_label)s_%(class)s_locator_required",
                violation_error_message="Every record needs a provenance locator.",
            ),
            models.CheckConstraint(
                condition=Q(verification_status__in=choices.VerificationStatus.values),
                name="%(app_label)s_%(class)s_verification_valid",
            ),
        ]

    @property
    def reference_numbers(self) -> list[int]:
        # A list of records reads them from the prefetch cache, not a manager each.
        refs = prefetched(self, "cited_references")
        if refs is None:
            refs = self.cited_references.all()
        return sorted(ref.number for ref in refs)

    @property
    def is_flagged(self) -> bool:
        return bool(self.flags)

    def clean(self) -> None:
        super().clean()
        refuse_numeric_slug(self.slug)


class SearchEntry(models.Model):
    """A record's text as search reads it: normalised in Python (evidence.base.normalise)
    when the record is saved, so SQLite and PostgreSQL compare the same strings.

    `names` holds the compact keys of its name, aliases and identifiers between bars
    ("|tgfb1|transforminggrowthfactorb1tgfb1|"), for ranking exact and prefix matches
    first; `text` the words of every searched field. Kept in step by
    evidence.base.search (post_save and post_delete); `manage.py rebuild_search_index`
    fills it for rows written without signals.
    """

    entity = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    names = models.TextField(blank=True, default="")
    text = models.TextField(blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["entity", "object_id"], name="searchentry_one_per_record"
            )
        ]

    def __str__(self) -> str:
        return f"{self.entity} {self.object_id}"


class ThrottleCount(models.Model):
    """How many requests a client made in the current window of one rate
    (evidence.base.api.throttling): one row per client and rate, counted up in one
    statement per request, so every server process reads and writes the same count.

    `window` is the window's number (seconds since the epoch divided by the rate's
    period); a request in a later window starts the count again. `expires` (seconds since
    the epoch) is when the window ends; the rows of ended windows are deleted by the
    table's triggers whenever a client starts a new window (migration evidence 0012).
    """

    key = models.CharField(max_length=255, primary_key=True)
    window = models.BigIntegerField()
    hits = models.PositiveIntegerField()
    expires = models.BigIntegerField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key}: {self.hits} in window {self.window}"
