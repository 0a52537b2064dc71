"""How the grid service plugs into the platform."""

from __future__ import annotations

from services.grid import api
from services.grid.application import GridApplication
from services.grid.contract import contract
from services.grid.queries import GridQueryTables
from services.grid.reactions import reactions
from shared.platform.service import ServiceDefinition

SERVICE = ServiceDefinition(name="grid", application_class=GridApplication, contract=contract, router=api.router,
                            reactions=reactions, query_tables=GridQueryTables)
