"""The sign-in gate in page_setup (ui/auth.py), through AppTest.

AppTest's ``secrets`` stand in for the secrets file and ``user`` for the
identity cookie Streamlit reads after a real sign-in (the whole flow through
a real provider is tests/e2e/test_signin_browser.py).
"""

from __future__ import annotations

import pytest

from ui.auth import SIGN_IN_TITLE, SINGLE_USER_NOTE

PAGES = (
    "pages/home.py",
    "pages/retrospective.py",
    "pages/import_data.py",
    "pages/flow_metrics.py",
    "pages/bottlenecks.py",
    "pages/forecast.py",
    "pages/experiments.py",
    "pages/check_in.py",
)

AUTH = {
    "redirect_uri": "http://127.0.0.1:8501/oauth2callback",
    "cookie_secret": "k" * 64,
    "client_id": "flowlab",
    "client_secret": "client-secret-never-shown",
    "server_metadata_url": "http://127.0.0.1:9400/.well-known/openid-configuration",
}

ALICE = {
    "is_logged_in": True,
    "sub": "alice",
    "email": "alice@example.com",
    "name": "Alice Example",
    "groups": ["team-a"],
}


def _all_text(app) -> str:
    """Everything the run drew as text: markdown, captions, titles, alerts, labels, options."""
    parts = [element.value for element in app.markdown]
    parts += [element.value for element in app.caption]
    parts += [element.value for element in app.title]
    parts += [element.value for element in app.error]
    parts += [element.label for element in app.button]
    for box in app.selectbox:
        parts += [box.label, *map(str, box.options)]
    return "\n".join(str(part) for part in parts)


def _sidebar_captions(app) -> list[str]:
    return [caption.value for caption in app.sidebar.caption]


def test_without_auth_the_sidebar_says_single_user_and_the_app_runs_as_before(app):
    app.run()
    assert not app.exception
    assert app.title[0].value == "Flowlab"
    assert SINGLE_USER_NOTE in _sidebar_captions(app)
    assert "Demo team" in app.sidebar.selectbox[0].format_func(app.sidebar.selectbox[0].value)
    assert not [button for button in app.button if button.label in ("Sign in", "Sign out")]


@pytest.mark.parametrize("page", PAGES)
def test_signed_out_every_page_shows_only_the_sign_in_screen(app, page):
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": False}
    app.run()
    app.switch_page(page).run()
    assert not app.exception
    assert [title.value for title in app.title] == [SIGN_IN_TITLE]
    assert [button.label for button in app.button] == ["Sign in"]
    assert len(app.sidebar) == 0  # no navigation, no dataset, no filters
    assert not app.selectbox and not app.metric and not app.dataframe
    text = _all_text(app)
    assert "Demo team" not in text and "600" not in text
    assert AUTH["client_secret"] not in text and AUTH["cookie_secret"] not in text


def test_a_user_dict_without_the_signed_in_flag_is_signed_out(app):
    # AppTest's default user is {"email": ...}: an e-mail alone is not a sign-in.
    app.secrets["auth"] = AUTH
    app.run()
    assert [title.value for title in app.title] == [SIGN_IN_TITLE]


def test_signed_in_the_app_runs_with_the_name_and_sign_out_in_the_sidebar(app):
    app.secrets["auth"] = AUTH
    app.user = ALICE
    app.run()
    assert not app.exception
    assert app.title[0].value == "Flowlab"
    assert "Signed in as Alice Example" in _sidebar_captions(app)
    assert "Teams: team\\-a" in _sidebar_captions(app)  # no [teams] table: groups are teams
    assert SINGLE_USER_NOTE not in _sidebar_captions(app)
    assert [button.label for button in app.sidebar.button] == ["Sign out"]
    # team-a is not the demo's team: the store gives her no dataset at all
    assert not app.sidebar.selectbox
    assert "Demo team" not in str([e.value for e in app.main.get("markdown")])


def test_signed_in_a_member_of_the_demos_team_sees_its_data(app):
    app.secrets["auth"] = AUTH
    app.secrets["teams"] = {"team-a": "Demo team"}
    app.user = ALICE
    app.run()
    assert not app.exception
    assert "Teams: Demo team" in _sidebar_captions(app)
    assert "Demo team" in app.sidebar.selectbox[0].format_func(app.sidebar.selectbox[0].value)


def test_a_name_from_the_provider_is_shown_as_text(app):
    app.secrets["auth"] = AUTH
    app.user = {**ALICE, "name": "**Mallory** [x](http://evil.example)"}
    app.run()
    caption = next(c for c in _sidebar_captions(app) if c.startswith("Signed in as"))
    assert "\\*\\*Mallory\\*\\*" in caption and "](" not in caption


@pytest.mark.parametrize(
    ("auth", "problem"),
    [
        ({**AUTH, "client_secret": ""}, "[auth] has no client_secret"),
        ({**AUTH, "cookie_secret": "short"}, "cookie_secret is shorter than 32 characters"),
        ({**AUTH, "redirect_uri": "http://127.0.0.1:8501/"}, "must end with /oauth2callback"),
    ],
)
def test_an_incomplete_auth_table_shows_what_is_wrong_and_nothing_else(app, auth, problem):
    app.secrets["auth"] = auth
    app.user = ALICE  # even a signed-in cookie does not open a misconfigured app
    app.run()
    assert not app.exception
    assert [title.value for title in app.title] == [SIGN_IN_TITLE]
    assert len(app.error) == 1
    message = app.error[0].value.replace("\\", "")
    assert "Sign-in is not set up correctly" in message and problem in message
    assert not app.button and len(app.sidebar) == 0
    assert "short" not in message.replace("shorter", "")


def test_a_bad_admin_list_stops_every_page_with_its_reason(app, monkeypatch):
    monkeypatch.setenv("VSM_ADMINS", "boss@example.com, alice")
    app.secrets["auth"] = AUTH
    app.user = ALICE
    app.run()
    assert [title.value for title in app.title] == [SIGN_IN_TITLE]
    assert "is not an e-mail address" in app.error[0].value.replace("\\", "")
    assert len(app.sidebar) == 0


def test_a_sign_in_without_subject_stops_with_its_reason(app):
    app.secrets["auth"] = AUTH
    app.user = {key: value for key, value in ALICE.items() if key != "sub"}
    app.run()
    assert not app.exception
    assert [title.value for title in app.title] == [SIGN_IN_TITLE]
    assert "no sub claim" in app.error[0].value.replace("\\", "")
    assert len(app.sidebar) == 0


def test_a_secrets_file_that_cannot_be_read_is_not_taken_for_single_user(app, tmp_path):
    from streamlit import config
    from streamlit.runtime.secrets import secrets_singleton

    broken = tmp_path / "secrets.toml"
    broken.write_text('[auth]\nclient_secret = "unterminated-secret\n')
    saved = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(broken)])
    secrets_singleton._reset()  # forget what an earlier test parsed
    try:
        app.run()
    finally:
        config.set_option("secrets.files", saved)
        secrets_singleton._reset()
    assert not app.exception
    assert [title.value for title in app.title] == [SIGN_IN_TITLE]
    assert "could not be read" in app.error[0].value
    assert len(app.sidebar) == 0
    assert "unterminated" not in _all_text(app)


def test_current_identity_maps_teams_and_admins_from_secrets_and_environment(
    app, monkeypatch, tmp_path
):
    monkeypatch.setenv("VSM_ADMINS", "ALICE@example.com")
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import streamlit as st\n"
        "from ui.auth import current_author, current_identity\n"
        "identity = current_identity()\n"
        "st.text(repr((identity.teams, identity.is_admin, current_author())))\n"
    )
    from streamlit.testing.v1 import AppTest

    probe_app = AppTest.from_file(str(probe), default_timeout=30)
    probe_app.secrets["auth"] = AUTH
    probe_app.secrets["teams"] = {"team-a": "Payments"}
    probe_app.user = ALICE
    probe_app.run()
    assert not probe_app.exception
    assert probe_app.text[0].value == repr((("Payments",), True, "Alice Example"))


def test_current_identity_and_author_are_none_when_single_user(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import streamlit as st\n"
        "from ui.auth import current_author, current_identity\n"
        "st.text(repr((current_identity(), current_author())))\n"
    )
    from streamlit.testing.v1 import AppTest

    probe_app = AppTest.from_file(str(probe), default_timeout=30)
    probe_app.user = ALICE  # a cookie without [auth] means nothing
    probe_app.run()
    assert probe_app.text[0].value == repr((None, None))
