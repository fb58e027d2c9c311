"""Who is signed in: the identity Flowlab acts for, built from OpenID Connect claims.

Pure functions, no Streamlit: ``ui/auth.py`` reads the ID token's claims
(``st.user``), the environment and the secrets file, and hands them here.
Later code (team scoping in the store, the Admin and Organisation pages)
reads the result, an :class:`Identity`, and never the raw claims.

Definitions (also in ``docs/sign-in.md``):

* **subject**: the ``sub`` claim, the provider's stable id for the person.
* **groups**: the values of the teams claim (``groups`` unless
  ``VSM_TEAMS_CLAIM`` names another; a dotted name such as
  ``realm_access.roles`` reads a nested claim). A list of strings, or one
  string read as one group; anything else is not a group.
* **teams**: the Flowlab teams those groups stand for. With no ``[teams]``
  table in the secrets file every group is a team of the same name. With a
  table, only the groups it names count, each becoming the team (or teams) it
  maps to: a provider that sends every directory group (Microsoft Entra ID
  sends group ids) then gives nobody a team by accident.
* **roles**: the role each team gives (``viewer``, ``editor`` or ``admin``;
  see ``vsm_core.store.access``): ``editor`` for a plain team name, or the
  role a ``{ team = "NAME", role = "viewer" }`` entry of ``[teams]`` names;
  the strongest wins when several groups give one team.
* **instance admin**: someone whose e-mail is listed in ``VSM_ADMINS``
  (compared without regard to case; an e-mail the provider marks
  ``email_verified = false`` does not count) or who is in a group listed in
  ``VSM_ADMIN_GROUPS`` (separated by commas: a group name may hold spaces).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

#: Roles in a team, weakest first (``vsm_core.store.access`` enforces them).
TEAM_ROLES = ("viewer", "editor", "admin")
#: The role a group gives in its team unless the ``[teams]`` table names another: a team's
#: group is its working members.
DEFAULT_TEAM_ROLE = "editor"
#: The claim read for a person's groups unless ``VSM_TEAMS_CLAIM`` names another.
DEFAULT_TEAMS_CLAIM = "groups"
TEAMS_CLAIM_VARIABLE = "VSM_TEAMS_CLAIM"
ADMINS_VARIABLE = "VSM_ADMINS"
ADMIN_GROUPS_VARIABLE = "VSM_ADMIN_GROUPS"

#: What the ``[auth]`` table of the secrets file must hold for Streamlit's ``st.login``.
REQUIRED_AUTH_SETTINGS = (
    "redirect_uri",
    "cookie_secret",
    "client_id",
    "client_secret",
    "server_metadata_url",
)
#: Streamlit serves the provider's answer on this path and refuses other redirect URIs.
CALLBACK_PATH = "/oauth2callback"
#: The shortest cookie secret accepted: 32 characters (``secrets.token_hex(16)``, 128 bits).
MIN_COOKIE_SECRET_CHARS = 32

#: Separators between e-mail addresses in ``VSM_ADMINS`` (an address holds none of them).
_ADDRESS_SEPARATORS = re.compile(r"[,;\s]+")
#: Separators between group names in ``VSM_ADMIN_GROUPS`` (a group name may hold spaces).
_GROUP_SEPARATORS = re.compile(r"[,;]")


class IdentityConfigError(ValueError):
    """The sign-in settings cannot be used; the message says which and why (never a value)."""


@dataclass(frozen=True)
class Identity:
    """The signed-in person, as Flowlab sees them.

    ``groups`` holds the teams claim as the provider sent it; ``teams`` the
    Flowlab team names after the ``[teams]`` mapping (both in first-seen order,
    without repeats).
    """

    subject: str
    email: str | None = None
    name: str | None = None
    groups: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    is_admin: bool = False
    #: team → role (viewer, editor, admin) the groups give; every team of ``teams`` is here.
    roles: Mapping[str, str] = field(default_factory=dict)

    @property
    def display_name(self) -> str:
        """The name to show and to record as the author: name, else e-mail, else subject."""
        return self.name or self.email or self.subject


@dataclass(frozen=True)
class IdentitySettings:
    """How claims become an :class:`Identity` (see the module docstring).

    ``team_map`` maps a group to its team names; ``None`` means "no ``[teams]``
    table: every group is a team". ``admins`` holds lower-cased e-mail addresses.
    """

    teams_claim: str = DEFAULT_TEAMS_CLAIM
    team_map: Mapping[str, tuple[str, ...]] | None = None
    admins: frozenset[str] = field(default_factory=frozenset)
    admin_groups: frozenset[str] = field(default_factory=frozenset)
    #: group → ((team, role), …) from the ``[teams]`` table; None: every group is a team
    #: of the same name with :data:`DEFAULT_TEAM_ROLE`.
    team_roles: Mapping[str, tuple[tuple[str, str], ...]] | None = None


# --------------------------------------------------------------------------- settings


def settings_from(
    environ: Mapping[str, str], teams_table: Mapping[str, object] | None = None
) -> IdentitySettings:
    """Read :class:`IdentitySettings` from environment variables and the ``[teams]`` table.

    Inputs: ``environ`` (``VSM_TEAMS_CLAIM``, ``VSM_ADMINS``, ``VSM_ADMIN_GROUPS``
    separated by commas or semicolons; unset or blank means the default) and the secrets
    file's ``[teams]`` table (group name → team name or list of team names).
    Raises :class:`IdentityConfigError` for an admin entry that is not an
    e-mail address or a ``[teams]`` entry that is not a name or list of names.
    """
    claim = (environ.get(TEAMS_CLAIM_VARIABLE) or "").strip() or DEFAULT_TEAMS_CLAIM
    return IdentitySettings(
        teams_claim=claim,
        team_map=parse_team_map(teams_table),
        team_roles=parse_team_roles(teams_table),
        admins=parse_admins(environ.get(ADMINS_VARIABLE, "")),
        admin_groups=frozenset(
            _split_list(environ.get(ADMIN_GROUPS_VARIABLE, ""), _GROUP_SEPARATORS)
        ),
    )


def parse_admins(text: str) -> frozenset[str]:
    """E-mail addresses separated by commas, semicolons or spaces, lower-cased.

    Raises :class:`IdentityConfigError` naming an entry without an ``@`` (an
    admin list that silently dropped a name would lock that person out).
    """
    entries = _split_list(text, _ADDRESS_SEPARATORS)
    wrong = [entry for entry in entries if "@" not in entry.strip("@")]
    if wrong:
        raise IdentityConfigError(
            f"{ADMINS_VARIABLE} lists {', '.join(repr(w) for w in wrong)}, "
            "which is not an e-mail address"
        )
    return frozenset(entry.lower() for entry in entries)


def parse_team_map(table: Mapping[str, object] | None) -> dict[str, tuple[str, ...]] | None:
    """The ``[teams]`` table as group → team names; ``None`` when there is no table.

    A value is one team name, a ``{ team = "NAME", role = "viewer" }`` table,
    or a list of those (one group may stand for several teams). Raises
    :class:`IdentityConfigError` naming the group whose value is none of them.
    """
    roles = parse_team_roles(table)
    if roles is None:
        return None
    return {group: _unique(team for team, _role in grants) for group, grants in roles.items()}


def parse_team_roles(
    table: Mapping[str, object] | None,
) -> dict[str, tuple[tuple[str, str], ...]] | None:
    """The ``[teams]`` table as group → ((team, role), …); ``None`` when there is no table.

    A plain team name gives :data:`DEFAULT_TEAM_ROLE`; ``{ team, role }`` gives
    its role (one of :data:`TEAM_ROLES`).
    """
    if table is None:
        return None
    return {str(group): tuple(_grants(str(group), value)) for group, value in table.items()}


def _grants(group: str, value: object) -> list[tuple[str, str]]:
    entries = value if isinstance(value, list | tuple) else [value]
    grants: dict[str, str] = {}
    for entry in entries:
        if isinstance(entry, str) and entry.strip():
            team, role = entry.strip(), DEFAULT_TEAM_ROLE
        elif (
            isinstance(entry, Mapping)
            and set(entry) <= {"team", "role"}
            and isinstance(entry.get("team"), str)
            and entry["team"].strip()
            and entry.get("role", DEFAULT_TEAM_ROLE) in TEAM_ROLES
        ):
            team, role = entry["team"].strip(), entry.get("role", DEFAULT_TEAM_ROLE)
        else:
            raise IdentityConfigError(
                f"[teams] entry {group!r} must be a team name, a list of team names or "
                '{ team = "NAME", role = "viewer" | "editor" | "admin" }'
            )
        grants.setdefault(team, role)
    return list(grants.items())


def roles_for(
    groups: tuple[str, ...], team_roles: Mapping[str, tuple[tuple[str, str], ...]] | None
) -> dict[str, str]:
    """Team → role of someone in ``groups``: the strongest role any of their groups gives."""
    if team_roles is None:
        return {group: DEFAULT_TEAM_ROLE for group in groups}
    roles: dict[str, str] = {}
    for group in groups:
        for team, role in team_roles.get(group, ()):
            if team not in roles or TEAM_ROLES.index(role) > TEAM_ROLES.index(roles[team]):
                roles[team] = role
    return roles


def auth_setting_problems(auth: Mapping[str, object]) -> list[str]:
    """What keeps the ``[auth]`` table from working, one plain sentence each; empty when fine.

    Checks that every :data:`REQUIRED_AUTH_SETTINGS` key holds text, that the
    URLs are absolute http(s) addresses, that ``redirect_uri`` ends with
    ``/oauth2callback`` and that ``cookie_secret`` is at least
    :data:`MIN_COOKIE_SECRET_CHARS` long. Sentences name settings, never
    their values (a value may be a secret).
    """
    missing = [
        key
        for key in REQUIRED_AUTH_SETTINGS
        if not isinstance(auth.get(key), str) or not str(auth.get(key)).strip()
    ]
    problems = [f"[auth] has no {key}" for key in missing]
    for key in ("redirect_uri", "server_metadata_url"):
        value = auth.get(key)
        if key not in missing and not _is_absolute_url(str(value)):
            problems.append(f"[auth] {key} is not an absolute http:// or https:// address")
    redirect_uri = str(auth.get("redirect_uri", ""))
    if "redirect_uri" not in missing and not redirect_uri.endswith(CALLBACK_PATH):
        problems.append(f"[auth] redirect_uri must end with {CALLBACK_PATH}")
    secret = auth.get("cookie_secret")
    if "cookie_secret" not in missing and len(str(secret)) < MIN_COOKIE_SECRET_CHARS:
        problems.append(
            f"[auth] cookie_secret is shorter than {MIN_COOKIE_SECRET_CHARS} characters"
        )
    return problems


# --------------------------------------------------------------------------- claims


def identity_from_claims(claims: Mapping[str, object], settings: IdentitySettings) -> Identity:
    """The :class:`Identity` for an ID token's ``claims`` under ``settings``.

    Raises :class:`IdentityConfigError` when there is no ``sub`` claim (every
    OpenID Connect ID token has one; without it nobody can be told apart).
    """
    subject = _text(claims.get("sub"))
    if subject is None:
        raise IdentityConfigError("the provider's ID token has no sub claim")
    email = _text(claims.get("email"))
    groups = claim_values(claims, settings.teams_claim)
    return Identity(
        subject=subject,
        email=email,
        name=_text(claims.get("name")),
        groups=groups,
        teams=teams_for(groups, settings.team_map),
        is_admin=_is_admin(email, claims.get("email_verified"), groups, settings),
        roles=roles_for(groups, settings.team_roles),
    )


def claim_values(claims: Mapping[str, object], name: str) -> tuple[str, ...]:
    """The strings held by claim ``name`` (a dotted name reads nested objects).

    A list gives its string and number members; one string gives itself;
    anything else, or no such claim, gives nothing. Blank values and repeats
    are dropped; the order is kept.
    """
    value: object = claims.get(name)
    if value is None and "." in name:
        value = claims
        for part in name.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list | tuple):
        return ()
    texts = (_text(member) for member in value if isinstance(member, str | int))
    return _unique(text for text in texts if text is not None)


def teams_for(
    groups: tuple[str, ...], team_map: Mapping[str, tuple[str, ...]] | None
) -> tuple[str, ...]:
    """The Flowlab teams of someone in ``groups`` (see the module docstring)."""
    if team_map is None:
        return groups
    return _unique(team for group in groups for team in team_map.get(group, ()))


# --------------------------------------------------------------------------- helpers


def _is_admin(
    email: str | None, email_verified: object, groups: tuple[str, ...], settings: IdentitySettings
) -> bool:
    # Only an explicit "not verified" discounts the e-mail: Microsoft Entra ID never sends
    # email_verified, and its addresses are the tenant's own.
    by_email = (
        email is not None and email_verified is not False and email.lower() in settings.admins
    )
    return by_email or not settings.admin_groups.isdisjoint(groups)


def _text(value: object) -> str | None:
    """``value`` as stripped text; None for None, booleans, containers and blanks."""
    if value is None or isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = str(value).strip()
    return text or None


def _unique(values) -> tuple[str, ...]:
    return tuple(dict.fromkeys(values))


def _split_list(text: str, separators: re.Pattern) -> list[str]:
    entries = (entry.strip() for entry in separators.split(text or ""))
    return [entry for entry in entries if entry]


def _is_absolute_url(value: str) -> bool:
    parts = urlsplit(value.strip())
    return parts.scheme in ("http", "https") and bool(parts.netloc)
