"""What a solve means: the results and their tables, the prices of binding policies, and the
diagnosis of an infeasible instance."""
