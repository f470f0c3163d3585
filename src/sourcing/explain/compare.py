"""Two plans side by side (`sourcing compare A B`): what changed between them.

A side is a solved instance or an output folder of `sourcing solve` (its summary.json and
CSV tables). The comparison holds tidy tables: cost by component, shares by region (per stage
with back-end sites, overall and per product), contracts won and lost, and the policies that
start or stop binding.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sourcing.errors import UsageError
from sourcing.explain.frames import records

if TYPE_CHECKING:
    from sourcing.explain.results import Results
    from sourcing.instance.schema import Instance

SUMMARY = "summary.json"
SOLVED = ("optimal", "feasible")
POLICY_KEYS = ["policy", "kind", "product", "market", "supplier"]
SHARE_EPSILON = 5e-4
"""Shares closer than this (0.05 points) count as unchanged."""


@dataclass(frozen=True)
class Side:
    """One plan of a comparison: where it comes from and the tables compared."""

    source: str
    instance: str
    status: str
    objective: float | None
    units: dict[str, str]
    costs: pd.Series
    shares: pd.DataFrame
    contracts: pd.DataFrame
    binding_policies: pd.DataFrame
    products: frozenset[str]
    """The products of the instance, as far as they are known (empty: not known)."""

    @property
    def has_plan(self) -> bool:
        return self.status in SOLVED and self.objective is not None

    def header(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "instance": self.instance,
            "status": self.status,
            "objective": self.objective,
        }

    @classmethod
    def of_results(cls, results: Results, source: str, instance: Instance) -> Side:
        """The side of a solve of `instance` (read from the file `source`)."""
        return cls(
            source=source,
            instance=results.instance,
            status=results.status,
            objective=results.objective,
            units=dict(results.units),
            costs=results.costs.astype(float) if results.has_plan else pd.Series(dtype=float),
            shares=results.shares,
            contracts=results.contracts,
            binding_policies=results.binding_policies,
            products=frozenset(p.id for p in instance.products),
        )

    @classmethod
    def of_folder(cls, folder: Path) -> Side:
        """The side an output folder of `sourcing solve` holds (summary.json and the CSVs)."""
        path = folder / SUMMARY
        if not path.is_file():
            raise UsageError(
                f"{folder} holds no {SUMMARY}: not an output folder of `sourcing solve`"
                + _written_by(folder)
            )
        try:
            summary = json.loads(path.read_text(encoding="utf-8"))
            status = str(summary["status"])
            units = {str(k): str(v) for k, v in summary["units"].items()}
        except (OSError, UnicodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise UsageError(f"{path} is not a summary that `sourcing solve` writes") from exc
        costs = summary.get("costs") or {}
        shares = _table(folder, "shares.csv", summary.get("shares"))
        contracts = _table(folder, "contracts.csv", None)
        if contracts.empty and summary.get("contracts"):
            stages = summary.get("contract_stages") or {}
            contracts = pd.DataFrame(
                [
                    {"supplier": s, "name": s, "region": "", **_stage(stages, s)}
                    for s in summary["contracts"]
                ]
            )
        binding = pd.DataFrame(summary.get("binding_policies") or [])
        products = {str(p) for p in shares.get("product", pd.Series(dtype=object))}
        products |= {str(r.get("product")) for r in summary.get("flows") or []}
        products |= {str(r.get("product")) for r in summary.get("shortages") or []}
        return cls(
            source=str(folder),
            instance=str(summary.get("instance", folder.name)),
            status=status,
            objective=summary.get("objective"),
            units=units,
            costs=pd.Series({str(k): float(v) for k, v in costs.items()}, dtype=float),
            shares=shares,
            contracts=contracts,
            binding_policies=binding,
            products=frozenset(products - {"*", "None"}),
        )


def _stage(stages: dict[str, str], supplier: str) -> dict[str, str]:
    return {"stage": stages[supplier]} if supplier in stages else {}


def _written_by(folder: Path) -> str:
    """`(it holds the files of a sweep)`, from the folder's manifest, if any."""
    try:
        manifest = json.loads((folder / "sourcing-run.json").read_text(encoding="utf-8"))
        return f" (it holds the files of `sourcing {manifest['command']}`)"
    except (OSError, UnicodeError, ValueError, KeyError, TypeError):
        return ""


def _table(folder: Path, name: str, fallback: list[dict[str, Any]] | None) -> pd.DataFrame:
    path = folder / name
    if path.is_file():
        try:
            return pd.read_csv(path, keep_default_na=False, na_values=[""])
        except (OSError, ValueError) as exc:
            raise UsageError(f"cannot read {path}: {exc}") from exc
    return pd.DataFrame(fallback or [])


def check_related(a: Side, b: Side) -> None:
    """`UsageError` if the two plans cannot be compared: other units of money, or no product
    in common (when both sides' products are known)."""
    if a.units.get("money") != b.units.get("money"):
        raise UsageError(
            f"{a.source} and {b.source} are unrelated: their costs are in "
            f"{a.units.get('money')!r} and {b.units.get('money')!r}"
        )
    if a.products and b.products and not a.products & b.products:
        raise UsageError(
            f"{a.source} and {b.source} are unrelated: they share no product "
            f"({', '.join(sorted(a.products))} against {', '.join(sorted(b.products))})"
        )


@dataclass(frozen=True)
class Comparison:
    """What changed from plan `a` to plan `b` (differences are b - a)."""

    a: Side
    b: Side
    costs: pd.DataFrame  # component, a, b, difference (the last row: total)
    shares: pd.DataFrame  # [stage,] region, quantity_a, share_a, quantity_b, share_b, difference
    product_shares: pd.DataFrame  # [stage,] product, region, share_a, share_b, difference
    contracts: pd.DataFrame  # change (won/lost), supplier, name, region[, stage]
    policies: pd.DataFrame  # change, policy, kind, product, market, supplier, periods_a, periods_b

    @property
    def difference(self) -> float | None:
        if self.a.objective is None or self.b.objective is None:
            return None
        return self.b.objective - self.a.objective

    @property
    def staged(self) -> bool:
        return "stage" in self.shares.columns

    def to_dict(self) -> dict[str, Any]:
        contracts = self.contracts
        policies = self.policies
        return {
            "a": self.a.header(),
            "b": self.b.header(),
            "units": dict(self.a.units),
            "difference": self.difference,
            "costs": records(self.costs),
            "shares": records(self.shares),
            "product_shares": records(self.product_shares),
            "contracts": {
                "won": records(contracts[contracts["change"] == "won"].drop(columns="change")),
                "lost": records(contracts[contracts["change"] == "lost"].drop(columns="change")),
            },
            "policies": {
                key: records(policies[policies["change"] == change].drop(columns="change"))
                for key, change in (
                    ("started", "starts binding"),
                    ("stopped", "stops binding"),
                    ("moved", "binds in other periods"),
                )
            },
        }


def compare(a: Side, b: Side) -> Comparison:
    """The comparison of plan `a` with plan `b` (see `Comparison`)."""
    check_related(a, b)
    both = a.has_plan and b.has_plan
    return Comparison(
        a=a,
        b=b,
        costs=_costs(a, b),
        shares=_region_shares(a, b) if both else _empty_shares(a, b),
        product_shares=_product_shares(a, b) if both else pd.DataFrame(),
        contracts=_contracts(a, b) if both else _empty_contracts(),
        policies=_policies(a, b) if both else _empty_policies(),
    )


def _costs(a: Side, b: Side) -> pd.DataFrame:
    components = list(dict.fromkeys([*a.costs.index, *b.costs.index]))
    rows = []
    for name in [*components, "total"]:
        va = _cost(a, name)
        vb = _cost(b, name)
        rows.append(
            {
                "component": name,
                "a": va,
                "b": vb,
                "difference": None if va is None or vb is None else vb - va,
            }
        )
    return pd.DataFrame(rows, columns=["component", "a", "b", "difference"])


def _cost(side: Side, name: str) -> float | None:
    if not side.has_plan:
        return None
    if name == "total":
        return float(side.costs.sum())
    return float(side.costs.get(name, 0.0))


def _regions(side: Side) -> pd.DataFrame:
    """The region rows of the per-product shares (not the pooled `*` rows), with a stage."""
    shares = side.shares
    if shares.empty:
        return pd.DataFrame(columns=["stage", "group", "product", "quantity"])
    rows = shares[(shares["kind"] == "region") & (shares["product"].astype(str) != "*")].copy()
    if "stage" not in rows.columns:
        rows["stage"] = ""
    rows["group"] = rows["group"].astype(str)
    rows["product"] = rows["product"].astype(str)
    return rows[["stage", "group", "product", "quantity"]]


def _staged(a: Side, b: Side) -> bool:
    return "stage" in a.shares.columns or "stage" in b.shares.columns


def _share_frame(a: Side, b: Side, keys: list[str]) -> pd.DataFrame:
    """Quantities and shares of each region within `keys` (stage, or stage and product)."""
    sides = []
    for name, side in (("a", a), ("b", b)):
        rows = _regions(side)
        quantity = rows.groupby([*keys, "group"], sort=False)["quantity"].sum()
        total = quantity.groupby(level=keys, sort=False).transform("sum")
        share = (quantity / total.where(total > 0)).fillna(0.0)
        sides.append(pd.DataFrame({f"quantity_{name}": quantity, f"share_{name}": share}))
    frame = pd.concat(sides, axis=1).fillna(0.0)
    frame["difference"] = frame["share_b"] - frame["share_a"]
    frame = frame.reset_index().rename(columns={"group": "region"})
    if not _staged(a, b):
        frame = frame.drop(columns="stage")
    return frame


def _region_shares(a: Side, b: Side) -> pd.DataFrame:
    """Each region's share of everything delivered (per stage), in A and in B."""
    frame = _share_frame(a, b, ["stage"])
    supplied = (frame["quantity_a"] > 0) | (frame["quantity_b"] > 0)
    return frame[supplied].reset_index(drop=True)


def _product_shares(a: Side, b: Side) -> pd.DataFrame:
    """Each region's share of each product (over markets and periods) where it moved."""
    frame = _share_frame(a, b, ["stage", "product"])
    moved = frame["difference"].abs() >= SHARE_EPSILON
    frame = frame[moved].drop(columns=["quantity_a", "quantity_b"])
    return frame.reset_index(drop=True)


def _empty_shares(a: Side, b: Side) -> pd.DataFrame:
    columns = ["region", "quantity_a", "share_a", "quantity_b", "share_b", "difference"]
    return pd.DataFrame(columns=["stage", *columns] if _staged(a, b) else columns)


def _contracts(a: Side, b: Side) -> pd.DataFrame:
    won = _contract_rows(b, set(b.contracts["supplier"]) - set(a.contracts["supplier"]), "won")
    lost = _contract_rows(a, set(a.contracts["supplier"]) - set(b.contracts["supplier"]), "lost")
    frame = pd.DataFrame([*won, *lost])
    return frame if not frame.empty else _empty_contracts()


def _contract_rows(side: Side, suppliers: set[str], change: str) -> list[dict[str, Any]]:
    rows = []
    for row in side.contracts.to_dict("records"):
        if row["supplier"] in suppliers:
            entry = {
                "change": change,
                "supplier": row["supplier"],
                "name": row.get("name") or row["supplier"],
                "region": row.get("region") or "",
                "fixed_cost": row.get("fixed_cost"),
            }
            if "stage" in row:
                entry["stage"] = row["stage"]
            rows.append(entry)
    return rows


def _empty_contracts() -> pd.DataFrame:
    return pd.DataFrame(columns=["change", "supplier", "name", "region", "fixed_cost"])


def _binding(side: Side) -> dict[tuple[str, ...], dict[str, Any]]:
    """Binding rows grouped by policy, product, market and supplier: periods and mean price."""
    frame = side.binding_policies
    found: dict[tuple[str, ...], dict[str, Any]] = {}
    if frame.empty:
        return found
    for row in frame.to_dict("records"):
        key = tuple(_text(row.get(k)) for k in POLICY_KEYS)
        entry = found.setdefault(key, {"periods": [], "prices": [], "limit": row.get("limit")})
        entry["periods"].append(_text(row.get("period")) or "all")
        price = row.get("price_per_point")
        if isinstance(price, int | float) and not math.isnan(price):
            entry["prices"].append(float(price))
    return found


def _text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _policies(a: Side, b: Side) -> pd.DataFrame:
    before, after = _binding(a), _binding(b)
    rows: list[dict[str, Any]] = []
    for key in [*before, *(k for k in after if k not in before)]:
        was, now = before.get(key), after.get(key)
        if was and now and was["periods"] == now["periods"]:
            continue
        change = "starts binding" if not was else "stops binding" if not now else None
        rows.append(
            {
                "change": change or "binds in other periods",
                **dict(zip(POLICY_KEYS, key, strict=True)),
                "periods_a": ", ".join(was["periods"]) if was else "",
                "periods_b": ", ".join(now["periods"]) if now else "",
                "price_a": _mean(was),
                "price_b": _mean(now),
            }
        )
    order = {"starts binding": 0, "stops binding": 1, "binds in other periods": 2}
    rows.sort(key=lambda r: order[r["change"]])
    return pd.DataFrame(rows) if rows else _empty_policies()


def _mean(entry: dict[str, Any] | None) -> float | None:
    if not entry or not entry["prices"]:
        return None
    return sum(entry["prices"]) / len(entry["prices"])


def _empty_policies() -> pd.DataFrame:
    columns = ["change", *POLICY_KEYS, "periods_a", "periods_b", "price_a", "price_b"]
    return pd.DataFrame(columns=columns)
