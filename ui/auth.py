"""Sign-in through OpenID Connect (Streamlit's ``st.login`` / ``st.user`` / ``st.logout``).

Sign-in is on when the secrets file (``.streamlit/secrets.toml``, or the files
named by Streamlit's ``secrets.files`` option) has an ``[auth]`` table; see
docs/sign-in.md. Then :func:`require_sign_in`, called by ``ui.shell.page_setup``
before the sidebar or any store access, lets only signed-in visitors past: the
others see the sign-in screen and nothing else, on every page and deep link.
Without ``[auth]`` Flowlab is single-user, as it always was.

Later code asks who is acting through :func:`current_identity` (``None`` when
single-user) and :func:`current_author` (the name to record on a change). How
claims become teams and admins is ``vsm_core.identity``; this module only
gathers the claims, the environment and the secrets for it.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path

import streamlit as st

from ui.plain import md, md_list
from vsm_core.identity import (
    Identity,
    IdentityConfigError,
    auth_setting_problems,
    identity_from_claims,
    settings_from,
)

log = logging.getLogger("flowlab.auth")

SIGN_IN_TITLE = "Sign in to Flowlab"
SINGLE_USER_NOTE = "Single-user: sign-in is not configured."


class SecretsUnreadable(Exception):
    """A secrets file exists but Streamlit could not read it (sign-in may be meant to be on)."""


# --------------------------------------------------------------------------- reading


def auth_table() -> Mapping[str, object] | None:
    """The secrets file's ``[auth]`` table, or None when sign-in is not configured.

    Raises :class:`SecretsUnreadable` when a secrets file is there but cannot
    be read: treating that as "not configured" would open every team's data.
    """
    return _secrets_table("auth")


def sign_in_enabled() -> bool:
    """True when the secrets file configures sign-in (an ``[auth]`` table)."""
    return auth_table() is not None


def current_identity() -> Identity | None:
    """The signed-in person, or None when single-user or nobody is signed in.

    The one place later code learns who is acting: subject, e-mail, name,
    groups, Flowlab teams and whether they are an instance admin. Raises
    ``IdentityConfigError`` when the settings (``VSM_ADMINS``, ``[teams]``)
    or the ID token cannot be used; :func:`require_sign_in` has shown that
    already on every page that called it.
    """
    if auth_table() is None or not _signed_in():
        return None
    settings = settings_from(os.environ, _secrets_table("teams"))
    return identity_from_claims(st.user.to_dict(), settings)


def current_author() -> str | None:
    """The name to record as the author of a change; None when single-user (ask for one)."""
    identity = current_identity()
    return identity.display_name if identity is not None else None


# --------------------------------------------------------------------------- the gate


def require_sign_in() -> None:
    """Stop the run on the sign-in screen unless sign-in is off or the visitor is signed in.

    Fails closed: a misconfiguration or an unexpected error shows a plain
    message (never a value from the secrets file, never a traceback) and
    stops the run too.
    """
    try:
        problems, admitted = _check()
    except SecretsUnreadable:
        problems, admitted = ["the secrets file exists but could not be read"], False
    except IdentityConfigError as error:
        problems, admitted = [str(error)], False
    except Exception:  # an error here must not open the app: stop on a message
        log.exception("sign-in check failed")
        problems, admitted = ["checking sign-in failed; the details are in the server log"], False
    if problems:
        _stop_on_problems(problems)
    if not admitted:
        _sign_in_screen()


def render_account() -> None:
    """The sidebar's account line: who is signed in and a Sign out button, or single-user."""
    identity = current_identity()
    if identity is None:
        st.caption(SINGLE_USER_NOTE)
        return
    st.caption(f"Signed in as {md(identity.display_name)}")
    # Shown so that whoever sets up the teams claim and [teams] can see what arrived.
    st.caption(f"Teams: {md_list(identity.teams)}")
    if st.button("Sign out", key="auth.sign_out"):
        st.logout()


def _sign_in_screen() -> None:
    st.title(SIGN_IN_TITLE)
    st.write("Flowlab shows your team's flow once you have signed in.")
    if st.button("Sign in", type="primary", key="auth.sign_in"):
        st.login()
    st.stop()


def _stop_on_problems(problems: list[str]) -> None:
    log.error("sign-in is not set up correctly: %s", "; ".join(problems))
    st.title(SIGN_IN_TITLE)
    st.error(
        "Sign-in is not set up correctly, so Flowlab shows nothing. "
        "Whoever runs Flowlab can fix it (docs/sign-in.md): "
        + "; ".join(md(problem) for problem in problems)
        + "."
    )
    st.stop()


# --------------------------------------------------------------------------- helpers


def _check() -> tuple[list[str], bool]:
    """(What keeps the configured sign-in from working, whether this visitor may go on)."""
    auth = auth_table()
    if auth is None:
        return [], True  # single-user
    problems = auth_setting_problems(auth)
    # Read now so that a bad VSM_ADMINS or [teams] shows before anyone signs in.
    settings_from(os.environ, _secrets_table("teams"))
    if problems or not _signed_in():
        return problems, False
    current_identity()  # an ID token Flowlab cannot use stops here, with its reason
    return [], True


def _signed_in() -> bool:
    # st.user has no is_logged_in unless Streamlit sees [auth]; only True lets anyone in.
    return st.user.get("is_logged_in") is True


def _secrets_table(name: str) -> Mapping[str, object] | None:
    secrets = st.secrets
    if not secrets.load_if_toml_exists():
        if any(Path(path).expanduser().exists() for path in st.get_option("secrets.files")):
            raise SecretsUnreadable
        return None
    table = secrets.get(name)
    if table is None:
        return None
    if not isinstance(table, Mapping):
        raise IdentityConfigError(f"[{name}] in the secrets file must be a table")
    return table.to_dict() if hasattr(table, "to_dict") else dict(table)
