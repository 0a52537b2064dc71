"""District read models (projections): one document per community per domain.

Keeping a community's figures, its per-aggregate state and its dedupe guard in
one document makes each update atomic and keeps collections small (one
document per community), which suits both MongoDB and the embedded store.
District totals are computed as sums of the community documents, so they
always equal the sum of the communities.
"""

from __future__ import annotations

from typing import Any

from services.district.projections.community_allowance import CommunityAllowance
from services.district.projections.community_economy import CommunityEconomy
from services.district.projections.community_employment import CommunityEmployment
from services.district.projections.community_grid import CommunityGrid
from services.district.projections.community_visits import CommunityVisits
from services.district.projections.community_public_affairs import CommunityPublicAffairs
from services.district.projections.community_volunteering import CommunityVolunteering
from services.district.projections.community_welfare import CommunityWelfare
from services.district.projections.directory import CommunityDirectory


def projections() -> list[Any]:
    return [CommunityDirectory(), CommunityGrid(), CommunityEconomy(), CommunityWelfare(), CommunityVolunteering(),
            CommunityVisits(), CommunityPublicAffairs(), CommunityEmployment(), CommunityAllowance()]
