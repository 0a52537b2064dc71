"""Collective economy: assets and leases, enterprises, the collective fund, community companies, income surveys."""
