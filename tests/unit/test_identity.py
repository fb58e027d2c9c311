"""vsm_core.identity: ID-token claims → the signed-in Identity, and the sign-in settings."""

from __future__ import annotations

import pytest

from vsm_core.identity import (
    Identity,
    IdentityConfigError,
    IdentitySettings,
    auth_setting_problems,
    claim_values,
    identity_from_claims,
    parse_admins,
    parse_team_map,
    settings_from,
    teams_for,
)

ALICE = {
    "sub": "0f3c-alice",
    "email": "Alice@Example.com",
    "name": "Alice Example",
    "groups": ["team-a", "staff", "team-a"],
}

GOOD_AUTH = {
    "redirect_uri": "https://flowlab.example.com/oauth2callback",
    "cookie_secret": "c" * 64,
    "client_id": "flowlab",
    "client_secret": "s3cret-value",
    "server_metadata_url": "https://id.example.com/.well-known/openid-configuration",
}


# --------------------------------------------------------------------------- claims


def test_without_settings_every_group_is_a_team_and_nobody_is_admin():
    identity = identity_from_claims(ALICE, IdentitySettings())
    assert identity == Identity(
        subject="0f3c-alice",
        email="Alice@Example.com",
        name="Alice Example",
        groups=("team-a", "staff"),
        teams=("team-a", "staff"),
        is_admin=False,
        roles={"team-a": "editor", "staff": "editor"},
    )
    assert identity.display_name == "Alice Example"


def test_display_name_falls_back_to_email_then_subject():
    assert identity_from_claims(
        {"sub": "s1", "email": "a@x.io"}, IdentitySettings()
    ).display_name == ("a@x.io")
    assert (
        identity_from_claims({"sub": "s1", "name": "  "}, IdentitySettings()).display_name == "s1"
    )


def test_a_team_map_keeps_only_the_groups_it_names():
    settings = settings_from({}, {"team-a": "Payments", "ops": ["Platform", "Payments"]})
    identity = identity_from_claims({**ALICE, "groups": ["staff", "ops", "team-a"]}, settings)
    assert identity.groups == ("staff", "ops", "team-a")
    assert identity.teams == ("Platform", "Payments")


def test_an_empty_team_map_gives_no_teams_rather_than_every_group():
    assert identity_from_claims(ALICE, settings_from({}, {})).teams == ()


def test_the_teams_claim_can_be_renamed_and_nested():
    roles = {"sub": "s", "realm_access": {"roles": ["viewer-a", "editor-b"]}, "groups": ["x"]}
    settings = settings_from({"VSM_TEAMS_CLAIM": "realm_access.roles"})
    assert identity_from_claims(roles, settings).teams == ("viewer-a", "editor-b")
    assert identity_from_claims(
        {"sub": "s", "roles": ["r1"]}, settings_from({"VSM_TEAMS_CLAIM": " roles "})
    ).teams == ("r1",)
    assert settings_from({"VSM_TEAMS_CLAIM": "  "}).teams_claim == "groups"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["a", "b"], ("a", "b")),
        ("solo", ("solo",)),  # one string is one group, never split
        ("a,b", ("a,b",)),
        ([" a ", "", "a", 7, None, {"x": 1}, True], ("a", "7")),
        (None, ()),
        ({"a": 1}, ()),
        (42, ()),
    ],
)
def test_claim_values_reads_lists_and_single_strings_only(value, expected):
    assert claim_values({"groups": value}, "groups") == expected


def test_claim_values_of_a_missing_or_broken_path_is_empty():
    assert claim_values({"sub": "s"}, "groups") == ()
    assert claim_values({"realm_access": "not an object"}, "realm_access.roles") == ()


def test_an_id_token_without_subject_is_refused():
    with pytest.raises(IdentityConfigError, match="no sub claim"):
        identity_from_claims({"email": "a@x.io"}, IdentitySettings())


def test_teams_for_keeps_first_seen_order_without_repeats():
    team_map = {"g1": ("T2", "T1"), "g2": ("T1",), "g3": ("T3",)}
    assert teams_for(("g2", "g1", "g9"), team_map) == ("T1", "T2")
    assert teams_for(("g2", "g1"), None) == ("g2", "g1")


# --------------------------------------------------------------------------- admins


def test_admins_by_email_ignore_case():
    settings = settings_from({"VSM_ADMINS": "boss@example.com, ALICE@example.com"})
    assert identity_from_claims(ALICE, settings).is_admin
    assert not identity_from_claims({**ALICE, "email": "eve@example.com"}, settings).is_admin


def test_an_email_marked_unverified_does_not_make_an_admin():
    settings = settings_from({"VSM_ADMINS": "alice@example.com"})
    assert not identity_from_claims({**ALICE, "email_verified": False}, settings).is_admin
    assert identity_from_claims({**ALICE, "email_verified": True}, settings).is_admin


def test_admins_by_group():
    settings = settings_from({"VSM_ADMIN_GROUPS": "flowlab-admins, staff"})
    assert identity_from_claims(ALICE, settings).is_admin
    assert not identity_from_claims({**ALICE, "groups": ["team-a"]}, settings).is_admin


def test_admin_groups_are_separated_by_commas_so_names_may_hold_spaces():
    settings = settings_from({"VSM_ADMIN_GROUPS": " Flowlab Admins ;Leads,, "})
    assert settings.admin_groups == frozenset({"Flowlab Admins", "Leads"})
    assert identity_from_claims({"sub": "s", "groups": ["Flowlab Admins"]}, settings).is_admin


def test_admin_group_membership_reads_the_raw_groups_not_the_mapped_teams():
    settings = settings_from({"VSM_ADMIN_GROUPS": "staff"}, {"team-a": "Payments"})
    identity = identity_from_claims(ALICE, settings)
    assert identity.teams == ("Payments",)
    assert identity.is_admin


def test_parse_admins_splits_on_commas_semicolons_and_spaces():
    assert parse_admins(" a@x.io;B@Y.io ,\n c@z.io ") == frozenset({"a@x.io", "b@y.io", "c@z.io"})
    assert parse_admins("") == frozenset()


def test_parse_admins_refuses_an_entry_that_is_not_an_email():
    with pytest.raises(IdentityConfigError, match="'alice'"):
        parse_admins("boss@example.com, alice")
    with pytest.raises(IdentityConfigError):
        parse_admins("@")


# --------------------------------------------------------------------------- [teams]


def test_parse_team_map_accepts_names_and_lists():
    assert parse_team_map({"g": " Payments ", "h": ["A", "B", "A"]}) == {
        "g": ("Payments",),
        "h": ("A", "B"),
    }
    assert parse_team_map(None) is None


def test_team_entries_may_name_a_role_and_the_strongest_role_wins():
    table = {
        "pay-viewers": {"team": "Payments", "role": "viewer"},
        "pay-leads": [{"team": "Payments", "role": "admin"}, "Platform"],
        "readers": [{"team": "Platform", "role": "viewer"}],
    }
    settings = settings_from({}, table)
    assert parse_team_map(table)["pay-leads"] == ("Payments", "Platform")
    viewer = identity_from_claims({"sub": "v", "groups": ["pay-viewers"]}, settings)
    assert (viewer.teams, dict(viewer.roles)) == (("Payments",), {"Payments": "viewer"})
    lead = identity_from_claims(
        {"sub": "l", "groups": ["readers", "pay-viewers", "pay-leads"]}, settings
    )
    assert dict(lead.roles) == {"Platform": "editor", "Payments": "admin"}


def test_without_a_table_every_group_is_a_team_of_editors():
    person = identity_from_claims({"sub": "p", "groups": ["A", "B"]}, settings_from({}))
    assert dict(person.roles) == {"A": "editor", "B": "editor"}


@pytest.mark.parametrize(
    "value",
    [
        3,
        ["A", 3],
        ["A", " "],
        "",
        {"x": "y"},
        {"team": "A", "role": "owner"},
        {"team": " ", "role": "viewer"},
        {"team": "A", "role": "viewer", "extra": 1},
    ],
)
def test_parse_team_map_refuses_anything_but_names(value):
    with pytest.raises(IdentityConfigError, match="\\[teams\\] entry 'g'"):
        parse_team_map({"g": value})


# --------------------------------------------------------------------------- [auth]


def test_a_complete_auth_table_has_no_problems():
    assert auth_setting_problems(GOOD_AUTH) == []
    # Streamlit fills in "{port}" with its own port.
    assert (
        auth_setting_problems(
            {**GOOD_AUTH, "redirect_uri": "http://127.0.0.1:{port}/oauth2callback"}
        )
        == []
    )


def test_auth_problems_name_each_missing_setting():
    problems = auth_setting_problems({"client_id": "flowlab", "client_secret": " "})
    assert problems == [
        "[auth] has no redirect_uri",
        "[auth] has no cookie_secret",
        "[auth] has no client_secret",
        "[auth] has no server_metadata_url",
    ]


def test_auth_problems_check_addresses_callback_and_secret_length_without_values():
    auth = {
        **GOOD_AUTH,
        "redirect_uri": "flowlab.example.com/callback",
        "server_metadata_url": "ftp://id.example.com/x",
        "cookie_secret": "short-secret",
    }
    problems = auth_setting_problems(auth)
    assert problems == [
        "[auth] redirect_uri is not an absolute http:// or https:// address",
        "[auth] server_metadata_url is not an absolute http:// or https:// address",
        "[auth] redirect_uri must end with /oauth2callback",
        "[auth] cookie_secret is shorter than 32 characters",
    ]
    text = " ".join(problems)
    assert "short-secret" not in text and "s3cret-value" not in text
