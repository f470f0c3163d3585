"""The Pyomo MILP: `build_model` orchestrates one function per constraint family."""

from sourcing.model.build import build_model

__all__ = ["build_model"]
