"""The vocabulary: each kind of thing the views name, defined once with its labels.

SQL CHECKs (``export/ddl.py``), completion values and help (``cli.py``), the
schema's enums (through ``model``), rows and the views' labels are all derived
from these. Nothing heavy is imported here: the command line reads it at start-up.
"""

from __future__ import annotations

import enum


class ContributionKind(enum.Enum):
    """What someone said at the forum, in the order the article reports them: the panel's closing words belong to
    the panel, and are never a peer of the opening speech."""

    opening = "opening"
    talk = "talk"
    panel_remark = "panel-remark"
    panel_closing = "panel-closing"


CONTRIBUTION_LABELS = {
    ContributionKind.opening: "opening speech",
    ContributionKind.talk: "talk",
    ContributionKind.panel_remark: "panel remark",
    ContributionKind.panel_closing: "panel's closing words",
}


class Role(enum.Enum):
    """What the article names someone as, in the order a person's roles are listed."""

    opening = "opening"
    session_moderator = "session moderator"
    speaker = "speaker"
    panel_moderator = "panel moderator"
    panelist = "panelist"
    panel_closing = "panel closing"


# Each role as a noun, for sentences such as "the article leaves uncertain who was the panel's moderator".
ROLE_NOUNS = {
    Role.opening: "the opening speaker",
    Role.session_moderator: "a session's moderator",
    Role.speaker: "a speaker",
    Role.panel_moderator: "the panel's moderator",
    Role.panelist: "a panelist",
    Role.panel_closing: "the speaker of the panel's closing words",
}
# The role a contribution's speaker has by giving it (a panel remark's speaker is a panelist by the panel's list).
SPEAKER_ROLES = {
    ContributionKind.opening: Role.opening,
    ContributionKind.talk: Role.speaker,
    ContributionKind.panel_closing: Role.panel_closing,
}


class OrganisationKind(enum.Enum):
    committee = "committee"
    academy = "academy"
    university = "university"
    university_school = "university-school"
    hospital = "hospital"
    medical_centre = "medical-centre"
    research_institute = "research-institute"
    laboratory = "laboratory"
    company = "company"
    investor = "investor"


def values(vocabulary: type[enum.Enum]) -> tuple[str, ...]:
    """An enum's values in its order, as rows and the command line write them."""
    return tuple(member.value for member in vocabulary)


# The --role filters: a name a user types (ours, not the article's), and the roles it stands for.
ROLE_FILTERS = {
    "opening": (Role.opening,),
    "moderator": (Role.session_moderator, Role.panel_moderator),
    "speaker": (Role.speaker,),
    "panelist": (Role.panelist,),
    "closing": (Role.panel_closing,),
}
