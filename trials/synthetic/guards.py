"""Guards: synthetic rows never mix with curated ones."""

from __future__ import annotations

from django.apps import apps
from django.db import models

from evidence.base.models import ProvenanceModel
from evidence.models import Publication
from trials.models import ClinicalTrial, Study
from trials.synthetic.constants import SYNTHETIC_REVIEW

#
# Guards
#


def provenance_models() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models()
        if issubclass(model, ProvenanceModel) and not model._meta.abstract
    ]


def curated_record_counts() -> dict[str, int]:
    """Rows that are not synthetic, per model (publications and provenance records)."""
    counts = {}
    publications = Publication.objects.exclude(slug=SYNTHETIC_REVIEW).count()
    if publications:
        counts["publications"] = publications
    for model in provenance_models():
        n = model._default_manager.exclude(source_review__slug=SYNTHETIC_REVIEW).count()
        if n:
            counts[str(model._meta.verbose_name_plural)] = n
    return counts


def raw_delete(queryset: models.QuerySet) -> None:
    # One DELETE statement: Model.delete() would load every row to send history signals.
    queryset._raw_delete(queryset.db)


def delete_synthetic_evidence() -> None:
    for model in (ClinicalTrial, Study):
        for field in model._meta.many_to_many:
            raw_delete(field.remote_field.through.objects.all())
        raw_delete(model._default_manager.all())
