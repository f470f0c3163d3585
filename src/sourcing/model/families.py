"""Names of the constraint families that other modules look rows up by.

A row reaches HiGHS as (family, index): `("group_share_max", ("cn-cap", p, m, t))`. The prices,
the diagnosis and the re-solver find rows by these names, so they are spelt once, here.
"""

from __future__ import annotations

GROUP_SHARE_MAX = "group_share_max"  # caps
GROUP_SHARE_MIN = "group_share_min"  # floors
SUPPLIER_SHARE_MAX = "supplier_share_max"
SUPPLIER_CAPACITY = "supplier_capacity"
OFFER_LIMIT = "offer_limit"  # the offer capacity as a row (the diagnosis's elastic model)
MIN_ORDER = "min_order"
MIN_SUPPLIERS = "min_suppliers"
OFFER_GROWTH = "offer_growth"  # an offer's capacity where expansions may add to it
BACKEND_BALANCE = "backend_balance"  # front-end and back-end flows of a cell are equal
