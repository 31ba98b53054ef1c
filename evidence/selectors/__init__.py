"""Non-trivial reads behind the researcher pages: facets, overview, comparison, search.

Every function here issues a fixed number of queries, independent of the data size.
"""

from evidence.selectors.facets import (
    PROVENANCE_PATHS,
    Facet,
    FacetOption,
    facet_counts,
    filter_data_valid,
    filter_label,
    publications_for_rows,
)
from evidence.selectors.overview import (
    EvidenceSide,
    GapCell,
    comparison_table,
    condition_side_by_side,
    count_by,
    entity_counts,
    evidence_gap_map,
    review_counts,
    trial_charts,
    trial_count_series,
)
from evidence.selectors.search import SearchGroup, search_everything

__all__ = [
    "PROVENANCE_PATHS",
    "EvidenceSide",
    "Facet",
    "FacetOption",
    "GapCell",
    "SearchGroup",
    "comparison_table",
    "condition_side_by_side",
    "count_by",
    "entity_counts",
    "evidence_gap_map",
    "facet_counts",
    "filter_data_valid",
    "filter_label",
    "publications_for_rows",
    "review_counts",
    "search_everything",
    "trial_charts",
    "trial_count_series",
]
