"""Welfare: person registry, minimum allowance, programmes and payment cycles, relief, assisted employment."""
