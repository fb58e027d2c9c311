"""User text (names, titles, statuses, file and column names) inside Streamlit Markdown, as typed.

Streamlit reads Markdown in far more places than ``st.markdown``: captions,
headers, alerts (``st.info`` …), widget labels, ``help`` tooltips, expander and
tab labels, metric labels, ``st.radio`` options. In each, user text goes
through :func:`md`. Where a whole element is user text and the element has no
Markdown-free form, :func:`md` is still the way; where it can be a dataframe
cell, a ``st.selectbox``/``st.multiselect`` option or ``st.text``, it is left
as typed (those never read Markdown, so escaping there would show backslashes).

Streamlit's Markdown has two layers, and :func:`md` neutralises both:

* the syntax (images, links, emphasis, code, HTML, headings, lists, tables,
  ``:red[…]`` directives, ``$…$`` LaTeX): every ASCII punctuation character
  gets a backslash, which CommonMark reads as "this character, literally";
* substitutions Streamlit makes in the *text* after parsing, which a
  backslash cannot stop: ``:material/…:`` icons, the ``:streamlit:`` logo,
  emoji shortcodes, the arrows ``->``, ``<-``, ``<->``, ``--``, ``>=``,
  ``<=``, ``~=`` and bare addresses (``http://…``, ``www.…``, ``a@b.c``) made
  into links. An invisible U+2060 WORD JOINER is put inside each such
  pattern (``:`` + it + ``material``, ``-`` + it + ``>``, ``www`` + it +
  ``.``, it + ``@``), so it no longer matches and reads the same.
"""

from __future__ import annotations

import re

import pandas as pd

#: Invisible, zero-width, and no line break: breaks a pattern without changing what is read.
WORD_JOINER = "\u2060"

#: Every ASCII punctuation character: CommonMark lets a backslash make each one literal.
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")

#: Where Streamlit substitutes text after parsing (see the module docstring): the joiner goes
#: at the empty match of each lookaround pair.
_SUBSTITUTED = re.compile(
    r"(?<=:)(?=[\w/+\-])"  # :material/x:, :streamlit:, :smile:, :+1:, http://
    r"|(?<=[-<>~])(?=[-<>=])"  # -> <- <-> -- >= <= ~=
    r"|(?<=www)(?=\.)"  # www.example.com
    r"|(?<=[\w.+\-])(?=@)",  # name@example.com
    re.IGNORECASE,
)


def md(value: object) -> str:
    """``value`` as literal text for any Streamlit element that reads Markdown; one line.

    Whitespace runs (line breaks too) become one space; see the module
    docstring for what is escaped and where an invisible word joiner is put.
    """
    text = " ".join(str(value).split())
    text = _SUBSTITUTED.sub(WORD_JOINER, text)
    return _PUNCTUATION.sub(r"\\\1", text)


def md_list(values, *, none: str = "none") -> str:
    """Escaped values joined with commas, or ``none`` when there are none."""
    values = [md(v) for v in values]
    return ", ".join(values) if values else none


def md_code(value: object) -> str:
    """``value`` as inline code in Markdown: a backtick fence longer than any run inside.

    Inside code Markdown reads nothing, but Streamlit still turns ``:material/``
    into an icon name, so a word joiner goes after its colon.
    """
    text = " ".join(str(value).split()).replace(":material/", f":{WORD_JOINER}material/")
    fence = "`" * (max((len(run) for run in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def empty_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with missing text cells (None, NaN) empty, for ``st.dataframe``.

    Streamlit writes "None" into a missing cell; a table of user data shows
    nothing there instead. Only text (object and string) columns change: a
    number column keeps its type, so it still sorts and formats as numbers.
    """
    out = frame.copy()
    for column in frame.select_dtypes(include=["object", "string"]).columns:
        out[column] = frame[column].astype(object).where(frame[column].notna(), "")
    return out
