"""Controlled vocabularies of clinical trials and studies."""

from django.db import models


class Phase(models.TextChoices):
    EARLY_1 = "early_1", "Early phase I"
    PHASE_1 = "1", "Phase I"
    PHASE_1_2 = "1_2", "Phase I/II"
    PHASE_2 = "2", "Phase II"
    PHASE_2_3 = "2_3", "Phase II/III"
    PHASE_3 = "3", "Phase III"
    PHASE_4 = "4", "Phase IV"
    NA = "na", "Not stated"


class TrialStatus(models.TextChoices):
    COMPLETED = "completed", "Completed"
    ONGOING = "ongoing", "Ongoing"
    UNKNOWN = "unknown", "Unknown"


class Route(models.TextChoices):
    INTRAVENOUS = "intravenous", "Intravenous"
    INTRA_ARTERIAL = "intra_arterial", "Intra-arterial"
    INTRA_ARTICULAR = "intra_articular", "Intra-articular"
    INTRATHECAL = "intrathecal", "Intrathecal"
    INTRAMUSCULAR = "intramuscular", "Intramuscular"
    INTRADERMAL = "intradermal", "Intradermal"
    SUBCUTANEOUS = "subcutaneous", "Subcutaneous"
    SUBRETINAL = "subretinal", "Subretinal"
    INTRAVITREAL = "intravitreal", "Intravitreal"
    INTRALESIONAL = "intralesional", "Intralesional"
    TOPICAL = "topical", "Topical"
    INHALATION = "inhalation", "Inhalation"
    TRANS_ENDOCARDIAL = "trans_endocardial", "Trans-endocardial"
    INTRACORONARY = "intracoronary", "Intracoronary"
    EPICARDIAL = "epicardial", "Epicardial"
    INTRACEREBRAL = "intracerebral", "Intracerebral"
    PORTAL_VEIN = "portal_vein", "Peripheral or portal vein"
    IMPLANTATION = "implantation", "Implantation (scaffold, biomaterial)"
    INTRANASAL = "intranasal", "Intranasal"
    INTRAPERITONEAL = "intraperitoneal", "Intraperitoneal"
    OTHER = "other", "Other"
    NOT_REPORTED = "not_reported", "Not reported"


class DoseBasis(models.TextChoices):
    NONE = "", "Not stated"
    PER_KG = "per_kg", "per kg body weight"
    PER_DOSE = "per_dose", "per dose"
    PER_PATIENT = "per_patient", "per patient"
    PER_CM3 = "per_cm3", "per cm³ of lesion"
    PER_BIOMATERIAL = "per_biomaterial", "per biomaterial"


class OutcomeClassChoices(models.TextChoices):
    SAFE = "safe", "Safe"
    FEASIBLE = "feasible", "Feasible"
    EFFECTIVE = "effective", "Effective"
    WELL_TOLERATED = "well_tolerated", "Well tolerated"
    NOT_YET_AVAILABLE = "not_yet_available", "Not yet available"
    NOT_YET_PUBLISHED = "not_yet_published", "Not yet published"
    ONGOING = "ongoing", "Ongoing"
    NOT_AVAILABLE = "not_available", "Not available"
    NO_SIDE_EFFECTS = "no_side_effects", "No observable side effects"
    NOT_SIGNIFICANT = "not_significant", "No significant improvement"


class StudyStage(models.TextChoices):
    PRECLINICAL = "preclinical", "Pre-clinical"
    CLINICAL = "clinical", "Clinical"
    UNKNOWN = "unknown", "Not stated"


class ModelSystemChoices(models.TextChoices):
    CELLS = "cells", "Cells (in vitro)"
    MOUSE = "mouse", "Mouse"
    RAT = "rat", "Rat"
    RABBIT = "rabbit", "Rabbit"
    PIG = "pig", "Pig"
    DOG = "dog", "Dog"
    SHEEP = "sheep", "Sheep"
    HUMAN = "human", "Human"


class TrialCountSeries(models.TextChoices):
    MSC_2011 = "msc_2011", "MSC (as of 2011)"
    MSC_2021 = "msc_2021", "MSC (as of 2021)"
    EXOSOMES_2021 = "exosomes_2021", "Exosomes (as of 2021)"
