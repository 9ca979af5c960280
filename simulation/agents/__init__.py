"""The actors of the social-governance community, one type per module."""

from simulation.agents.government import Government, Role
from simulation.agents.party_cell import PartyCell
from simulation.agents.resident import Resident, ResidentState
from simulation.agents.social_organisation import SocialOrganisation
from simulation.agents.volunteer import Volunteer

__all__ = [
    "Government",
    "PartyCell",
    "Resident",
    "ResidentState",
    "Role",
    "SocialOrganisation",
    "Volunteer",
]
