"""What tools outside the service may use: the benches in ``scripts/bench`` and the ENG5 runner.

The service's own HTTP and Kafka interfaces are its public face; this module is the in-process one, for
tools that must run the service's decisions without a stack (timing a wave's decision, estimating a run
from files). Everything else in the package is internal and may change shape freely; an import-linter
contract (``pyproject.toml``) keeps the tools to this module, ``app`` and ``config``.
"""

from cj_assessment_service.domain import cj_loop as wave_loop
from cj_assessment_service.domain.anchor_grades import GradesFileError, anchor_label, parse_grades_file
from cj_assessment_service.domain.bundle_order import order_for_bundles
from cj_assessment_service.domain.comparison_estimate import SimulatedRun, SimulationSpec
from cj_assessment_service.service_layer.estimates import Estimator, JobInputs, SimulationCache

__all__ = [
    "Estimator",
    "GradesFileError",
    "JobInputs",
    "SimulatedRun",
    "SimulationCache",
    "SimulationSpec",
    "anchor_label",
    "order_for_bundles",
    "parse_grades_file",
    "wave_loop",
]
