"""Import/export of trials and studies (django-import-export), in the dataset's record
format: the resources are made from the specs in trials/dataset.py."""

from evidence.dataset.resources import resource_for
from trials import dataset

TrialResource = resource_for(dataset.TRIALS)
StudyResource = resource_for(dataset.STUDIES)
TrialCountSnapshotResource = resource_for(dataset.TRIAL_COUNTS)
