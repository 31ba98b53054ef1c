"""Import/export of the secretome records (django-import-export), in the dataset's record
format: the resources are made from the specs in secretome/dataset.py."""

from evidence.dataset.resources import resource_for
from secretome import dataset

ComponentResource = resource_for(dataset.COMPONENTS)
EffectResource = resource_for(dataset.EFFECTS)
ComponentFindingResource = resource_for(dataset.COMPONENT_FINDINGS)
PreconditioningResource = resource_for(dataset.PRECONDITIONING)
GeneticModificationResource = resource_for(dataset.GENETIC_MODIFICATIONS)
