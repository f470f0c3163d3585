"""The Pyomo MILP: `build_model` orchestrates one function per constraint family."""

from sourcing.model.build import Stage, build_model, disruption_stages
from sourcing.model.tighten import FORMULATIONS, PLAIN, TIGHT, Formulation

__all__ = [
    "FORMULATIONS",
    "PLAIN",
    "TIGHT",
    "Formulation",
    "Stage",
    "build_model",
    "disruption_stages",
]
