"""Controlled vocabularies shared by models, FilterSets and serializers."""

from django.db import models


class PublicationKind(models.TextChoices):
    REVIEW = "review", "Review"
    PRIMARY = "primary", "Primary publication"
    REGISTRY = "registry", "Registry record"


class VerificationStatus(models.TextChoices):
    EXTRACTED = "extracted", "Extracted from review"
    CHECKED_PRIMARY = "checked_primary", "Checked against primary publication"
    CHECKED_REGISTRY = "checked_registry", "Checked against registry"


class ConditionCategory(models.TextChoices):
    CARDIOVASCULAR = "cardiovascular", "Cardiovascular"
    NEUROLOGICAL = "neurological", "Neurological"
    MUSCULOSKELETAL = "musculoskeletal", "Musculoskeletal"
    RESPIRATORY = "respiratory", "Respiratory"
    OPHTHALMIC = "ophthalmic", "Ophthalmic"
    HEPATIC = "hepatic", "Hepatic"
    RENAL = "renal", "Renal"
    DERMATOLOGICAL = "dermatological", "Dermatological"
    METABOLIC_ENDOCRINE = "metabolic_endocrine", "Metabolic and endocrine"
    IMMUNE_INFLAMMATORY = "immune_inflammatory", "Immune and inflammatory"
    ONCOLOGY = "oncology", "Oncology"
    INFECTIOUS = "infectious", "Infectious"
    DENTAL_ORAL = "dental_oral", "Dental and oral"
    REPRODUCTIVE = "reproductive", "Reproductive"
    AGING = "aging", "Ageing"
    VASCULAR = "vascular", "Vascular"
    OTHER = "other", "Other"


class Potency(models.TextChoices):
    PLURIPOTENT = "pluripotent", "Pluripotent"
    MULTIPOTENT = "multipotent", "Multipotent"
    UNIPOTENT = "unipotent", "Unipotent"
    DIFFERENTIATED = "differentiated", "Differentiated"
    UNKNOWN = "unknown", "Unknown"


class Species(models.TextChoices):
    HUMAN = "human", "Human"
    MOUSE = "mouse", "Mouse"
    RAT = "rat", "Rat"
    RABBIT = "rabbit", "Rabbit"
    OTHER = "other", "Other"
    UNKNOWN = "unknown", "Unknown"


class Modality(models.TextChoices):
    CELLS = "cells", "Living cells"
    CONDITIONED_MEDIUM = "conditioned_medium", "Conditioned medium"
    SECRETOME = "secretome", "Whole secretome"
    EXTRACELLULAR_VESICLES = "extracellular_vesicles", "Extracellular vesicles"
    EXOSOMES = "exosomes", "Exosomes"
    SINGLE_FACTOR = "single_factor", "Single factor"
    COMBINATION = "combination", "Combination"

    @classmethod
    def cell_free(cls) -> list[str]:
        return [value for value in cls.values if value != cls.CELLS]


class DonorType(models.TextChoices):
    AUTOLOGOUS = "autologous", "Autologous"
    ALLOGENEIC = "allogeneic", "Allogeneic"
    BOTH = "both", "Autologous and allogeneic"
    UNKNOWN = "unknown", "Not stated"


class ComparisonAspect(models.TextChoices):
    MANUFACTURING = "manufacturing", "Manufacturing"
    QUALITY_CONTROL = "quality_control", "Quality control"
    COST = "cost", "Cost of production and treatment"
    ADVANTAGES = "advantages", "Advantages"
    DISADVANTAGES = "disadvantages", "Disadvantages"


class ComparisonSide(models.TextChoices):
    STEM_CELL = "stem_cell", "Stem cell"
    SECRETOME = "secretome", "Secretome"


class EvidenceLevel(models.TextChoices):
    A = "A", "A: controlled clinical"
    B = "B", "B: uncontrolled clinical"
    C = "C", "C: case series or pilot"
    D = "D", "D: pre-clinical in vivo"
    E = "E", "E: in vitro"
