"""Cost truth and guard rails: prices, the ledger, budgets, alerts."""
