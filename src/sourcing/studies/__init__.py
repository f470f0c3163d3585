"""Studies over many solves: parameter sweeps, the re-solver that keeps a model between
points, the price-of-de-risking frontiers, and the outage stress table."""
