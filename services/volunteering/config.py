"""How the volunteering service plugs into the platform."""

from __future__ import annotations

from services.volunteering import api
from services.volunteering.application import VolunteeringApplication
from services.volunteering.contract import contract
from services.volunteering.queries import VolunteeringQueryTables
from services.volunteering.reactions import reactions
from services.directory import directory_reactions
from shared.platform.service import ServiceDefinition

SERVICE = ServiceDefinition(name="volunteering", application_class=VolunteeringApplication, contract=contract,
                            router=api.router,
                            reactions=lambda app: [*directory_reactions(app), *reactions(app)],
                            query_tables=VolunteeringQueryTables)
