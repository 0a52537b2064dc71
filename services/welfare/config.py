"""How the welfare service plugs into the platform."""

from __future__ import annotations

from services.welfare import api
from services.welfare.application import WelfareApplication
from services.welfare.contract import contract
from services.welfare.queries import WelfareQueryTables
from services.directory import directory_reactions
from shared.platform.service import ServiceDefinition

SERVICE = ServiceDefinition(name="welfare", application_class=WelfareApplication, contract=contract,
                            router=api.router, reactions=directory_reactions,
                            query_tables=WelfareQueryTables)
