"""User text (file names, column names, statuses) inside Markdown, shown as typed."""

from __future__ import annotations

import re

#: Characters Markdown (and Streamlit's extensions: ``:red[…]``, ``:material/…:``,
#: ``$…$``) would read as markup; a backslash before ASCII punctuation makes it literal.
_MARKUP = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|~$:&])")


def md(value: object) -> str:
    """``value`` as text for ``st.markdown``/``st.caption``: markup escaped, one line."""
    text = " ".join(str(value).split())
    return _MARKUP.sub(r"\\\1", text)


def md_list(values, *, none: str = "none") -> str:
    """Escaped values joined with commas, or ``none`` when there are none."""
    values = [md(v) for v in values]
    return ", ".join(values) if values else none
