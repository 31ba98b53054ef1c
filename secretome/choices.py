"""Controlled vocabularies of the secretome app."""

from django.db import models


class ComponentKind(models.TextChoices):
    GROWTH_FACTOR = "growth_factor", "Growth factor"
    CYTOKINE_ANTI = "cytokine_anti_inflammatory", "Cytokine (anti-inflammatory)"
    CYTOKINE_PRO = "cytokine_pro_inflammatory", "Cytokine (pro-inflammatory)"
    CYTOKINE = "cytokine", "Cytokine"
    CHEMOKINE = "chemokine", "Chemokine"
    ENZYME = "enzyme", "Enzyme"
    ECM = "ecm", "Extracellular matrix"
    LIPID_MEDIATOR = "lipid_mediator", "Lipid mediator"
    MIRNA = "mirna", "microRNA"
    EV_SUBTYPE = "ev_subtype", "Extracellular vesicle subtype"
    ORGANELLE = "organelle", "Organelle"
    PROTEIN = "protein", "Protein"
    RECEPTOR = "receptor", "Receptor"
    TRANSCRIPTION_FACTOR = "transcription_factor", "Transcription factor"
    OTHER = "other", "Other"


class PreconditioningCategory(models.TextChoices):
    BIOMOLECULE_CHEMICAL = "biomolecule_chemical", "Biomolecule or chemical"
    CULTURE_CONDITION = "culture_condition", "Culturing condition"
    GENETIC_MODIFICATION = "genetic_modification", "Genetic modification"
    GENE_OVEREXPRESSION = "gene_overexpression", "Gene overexpression"
    THREE_D_CULTURE = "three_d_culture", "3D culture"


class ModificationMethod(models.TextChoices):
    ADENOVIRUS = "adenovirus", "Adenovirus"
    LENTIVIRUS = "lentivirus", "Lentivirus"
    RETROVIRUS = "retrovirus", "Retrovirus"
    AAV = "aav", "Adeno-associated virus"
    PLASMID_TRANSFECTION = "plasmid_transfection", "Plasmid transfection"
    MIRNA_TRANSFECTION = "mirna_transfection", "miRNA transfection"
    OTHER = "other", "Other"
    UNKNOWN = "", "Not determined"
