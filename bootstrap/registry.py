"""The domain services this platform runs, in start order (grid first: it owns the community directory)."""

from __future__ import annotations

from shared.platform.service import ServiceDefinition


def domain_services() -> list[ServiceDefinition]:
    from services.economy.config import SERVICE as economy
    from services.grid.config import SERVICE as grid
    from services.volunteering.config import SERVICE as volunteering
    from services.welfare.config import SERVICE as welfare

    return [grid, economy, welfare, volunteering]


def service(name: str) -> ServiceDefinition:
    for definition in domain_services():
        if definition.name == name:
            return definition
    known = ", ".join(d.name for d in domain_services())
    raise KeyError(f"unknown service {name!r}; known: {known}")
