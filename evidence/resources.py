"""Import/export of the vocabulary records (django-import-export), in the dataset's record
format: the resources are made from the specs in evidence/dataset/vocabulary.py."""

from evidence.dataset import vocabulary
from evidence.dataset.resources import resource_for

PublicationResource = resource_for(vocabulary.PUBLICATIONS)
ReviewReferenceResource = resource_for(vocabulary.REVIEW_REFERENCES)
ConditionResource = resource_for(vocabulary.CONDITIONS)
CellSourceResource = resource_for(vocabulary.CELL_SOURCES)
TherapyResource = resource_for(vocabulary.THERAPIES)
ComparisonPointResource = resource_for(vocabulary.COMPARISON_POINTS)
