"""The Admin and Activity pages through AppTest (single-user: the local user administers
every team). Giving, changing and removing a role shows in the members table and in the
team's activity; a bad address is refused in words and stores nothing."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest


@pytest.fixture
def admin(open_page) -> AppTest:
    return open_page("pages/admin.py")


def _give(app: AppTest, email: str, role: str) -> None:
    app.text_input(key="admin_email").input(email)
    app.radio(key="admin_role").set_value(role)
    [button] = [b for b in app.button if b.label == "Give the role"]
    button.click().run()
    assert not app.exception


def _members(app: AppTest):
    tables = [d.value for d in app.dataframe if "E-mail" in d.value.columns]
    return tables[0] if tables else None


def test_single_user_can_give_change_and_remove_roles(admin):
    assert admin.selectbox(key="admin_team").value == "Demo team"
    assert any("roles have no effect yet" in c.value for c in admin.caption)
    assert _members(admin) is None
    _give(admin, "Kim@Example.org", "viewer")
    _give(admin, "kim@example.org", "editor")
    _give(admin, "lee@example.org", "admin")
    members = _members(admin)
    assert list(members["E-mail"]) == ["kim@example.org", "lee@example.org"]
    assert list(members["Role"]) == ["Editor", "Admin"]
    admin.selectbox(key="admin_remove_email").set_value("lee@example.org")
    [remove] = [b for b in admin.button if b.label == "Remove"]
    remove.click().run()
    assert list(_members(admin)["E-mail"]) == ["kim@example.org"]


def test_a_bad_address_is_refused_in_words(admin):
    _give(admin, "not an address", "viewer")
    shown = admin.error[0].value.replace("\\", "")  # escaped Markdown: shown as typed
    assert shown == "'not an address' is not an e-mail address"
    assert _members(admin) is None


def test_activity_lists_the_changes_newest_first(admin):
    _give(admin, "kim@example.org", "viewer")
    _give(admin, "kim@example.org", "editor")
    admin.switch_page("pages/activity.py").run()
    assert not admin.exception
    [log] = [d.value for d in admin.dataframe if "Who" in d.value.columns]
    # the two roles given here, then what storing the demo team recorded
    assert list(log["What"]) == [
        "gave a role",
        "gave a role",
        "recorded an experiment",
        "recorded an experiment",
        "imported a dataset version",
    ]
    assert list(log["Who"]) == ["local user", "local user", "system", "system", "system"]
    assert list(log["On"])[:2] == ["kim@example.org", "kim@example.org"]
    assert list(log["On"])[-1] == "Demo team version 1"
    admin.selectbox(key="activity_team").set_value("Demo team").run()
    assert len(next(d for d in admin.dataframe if "Who" in d.value.columns).value) == 5
