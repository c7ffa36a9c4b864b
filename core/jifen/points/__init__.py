"""Points: applications and their items, evidence, review, the ledger, rule versions, scoring, eligibility, family."""
