"""Import/export resources (django-import-export) for curators' CSV and JSON files.

Rows are keyed by natural keys (slug; a trial's slug is its NCT id in lower case), so a
re-import updates records instead of duplicating them. Every row is validated like the
admin (`full_clean`), a file with any bad row is refused whole with a per-row report, and
imported changes are recorded in the history with the reason "import".
"""

from __future__ import annotations

from import_export import fields, resources, widgets

from evidence.dataset import SPECS_BY_NAME
from evidence.models import Condition, Publication, ReviewReference, Therapy
from secretome.models import Component
from trials.models import ClinicalTrial, ModelSystem, OutcomeClass, Study

IMPORT_REASON = "import"


class SlugListWidget(widgets.ManyToManyWidget):
    """Related records as `slug; slug`, in a stable order."""

    def __init__(self, model, field="slug"):
        super().__init__(model, separator=";", field=field)

    def clean(self, value, row=None, **kwargs):
        slugs = [s.strip() for s in str(value or "").split(self.separator) if s.strip()]
        found = {
            getattr(obj, self.field): obj
            for obj in self.model.objects.filter(**{f"{self.field}__in": slugs})
        }
        missing = [s for s in slugs if s not in found]
        if missing:
            raise ValueError(
                f"unknown {self.model._meta.verbose_name}: {', '.join(missing)}"
            )
        return [found[s] for s in slugs]

    def render(self, value, obj=None, **kwargs):
        if value is None:
            return ""
        return "; ".join(sorted(str(getattr(v, self.field)) for v in value.all()))


class StrictForeignKeyWidget(widgets.ForeignKeyWidget):
    """A related record by natural key, with a readable error when it does not exist."""

    def clean(self, value, row=None, **kwargs):
        if value in (None, ""):
            return None
        try:
            return super().clean(value, row, **kwargs)
        except self.model.DoesNotExist as exc:
            raise ValueError(
                f"no {self.model._meta.verbose_name} with {self.field} {value!r}"
            ) from exc


class ListWidget(widgets.Widget):
    """A JSON list of strings as `a | b` in a cell."""

    def clean(self, value, row=None, **kwargs):
        return [part.strip() for part in str(value or "").split("|") if part.strip()]

    def render(self, value, obj=None, **kwargs):
        return " | ".join(value or [])


PROVENANCE_COLUMNS = (
    "review",
    "locator",
    "refs",
    "primary_doi",
    "verification_status",
    "flags",
)


def _columns(entity: str) -> tuple[str, ...]:
    """The columns of an entity: the fixtures' fields (evidence/dataset.py) in order."""
    spec = SPECS_BY_NAME[entity]
    columns = (*spec.fields, *spec.foreign_keys, *spec.many_to_many)
    return (*columns, *PROVENANCE_COLUMNS) if spec.provenance else columns


def _fk(attribute: str, model, field: str = "slug", column: str | None = None):
    return fields.Field(
        attribute=attribute,
        column_name=column or attribute,
        widget=StrictForeignKeyWidget(model, field),
    )


def _m2m(attribute: str, model, column: str | None = None):
    return fields.Field(
        attribute=attribute,
        column_name=column or attribute,
        widget=SlugListWidget(model),
    )


class AtlasResource(resources.ModelResource):
    """Shared behaviour: natural keys, full validation, history reason."""

    class Meta:
        abstract = True
        import_id_fields = ("slug",)
        skip_unchanged = True
        report_skipped = True
        clean_model_instances = True
        use_transactions = True
        use_bulk = False

    def before_save_instance(self, instance, row, **kwargs):
        instance._change_reason = IMPORT_REASON


class CuratedResource(AtlasResource):
    """A record with provenance: review, locator, reference numbers, flags."""

    entity: str  # the dataset entity whose columns and workflow this resource shares

    review = _fk("source_review", Publication, column="review")
    primary_doi = _fk(
        "primary_publication", Publication, field="doi", column="primary_doi"
    )
    flags = fields.Field(attribute="flags", column_name="flags", widget=ListWidget())
    refs = fields.Field(column_name="refs", readonly=False)

    class Meta(AtlasResource.Meta):
        abstract = True

    def dehydrate_refs(self, obj) -> str:
        if obj.pk is None:
            return ""
        return "; ".join(str(n) for n in obj.reference_numbers)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name == "refs":
            return  # set after saving, against the row's review
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def import_instance(self, instance, row, **kwargs):
        super().import_instance(instance, row, **kwargs)
        numbers = [
            n.strip() for n in str(row.get("refs") or "").split(";") if n.strip()
        ]
        review = instance.source_review if instance.source_review_id else None
        references = []
        for number in numbers:
            try:
                references.append(
                    ReviewReference.objects.get(review=review, number=int(number))
                )
            except (ReviewReference.DoesNotExist, ValueError) as exc:
                raise ValueError(
                    f"reference [{number}] is not in the review's list"
                ) from exc
        instance._pending_references = references

    def after_save_instance(self, instance, row, **kwargs):
        if hasattr(instance, "_pending_references"):
            instance.cited_references.set(instance._pending_references)
        refresh = SPECS_BY_NAME[self.entity].refresh
        if refresh is not None and not kwargs.get("dry_run"):
            refresh(instance)


class TrialResource(CuratedResource):
    entity = "trials"
    therapy = _fk("therapy", Therapy)
    conditions = _m2m("conditions", Condition)
    outcome_classes = _m2m("outcome_classes", OutcomeClass)

    class Meta(CuratedResource.Meta):
        model = ClinicalTrial
        fields = export_order = _columns("trials")


class StudyResource(CuratedResource):
    entity = "studies"
    therapy = _fk("therapy", Therapy)
    publication = _fk("publication", Publication)
    conditions = _m2m("conditions", Condition)
    model_systems = _m2m("model_systems", ModelSystem)

    class Meta(CuratedResource.Meta):
        model = Study
        fields = export_order = _columns("studies")


class PublicationResource(AtlasResource):
    class Meta(AtlasResource.Meta):
        model = Publication
        fields = export_order = _columns("publications")


class ComponentResource(AtlasResource):
    aliases = fields.Field(
        attribute="aliases", column_name="aliases", widget=ListWidget()
    )

    class Meta(AtlasResource.Meta):
        model = Component
        fields = export_order = _columns("components")


RESOURCES = {
    "trials": TrialResource,
    "studies": StudyResource,
    "publications": PublicationResource,
    "components": ComponentResource,
}
