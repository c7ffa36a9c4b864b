"""Ranking runs: parameters, the input snapshot, ranking and allocation in SQL, digests."""
