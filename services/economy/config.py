"""How the economy service plugs into the platform."""

from __future__ import annotations

from services.economy import api
from services.economy.application import EconomyApplication
from services.economy.contract import contract
from services.economy.queries import EconomyQueryTables
from services.directory import directory_reactions
from shared.platform.service import ServiceDefinition

SERVICE = ServiceDefinition(name="economy", application_class=EconomyApplication, contract=contract,
                            router=api.router, reactions=directory_reactions,
                            query_tables=EconomyQueryTables)
