"""The Pyomo MILP: `build_model` orchestrates one function per constraint family."""

from sourcing.model.build import Stage, build_model, disruption_stages

__all__ = ["Stage", "build_model", "disruption_stages"]
