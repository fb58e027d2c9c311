"""The separator of delimited text: the one the user names, or the one sniffed.

Sniffing counts ``,`` ``;`` tab and ``|`` outside quoted fields in each of
the first :data:`SNIFF_RECORDS` non-blank records and picks the candidate
found the same non-zero number of times in the most records (ties: the
first of ``,`` ``;`` tab ``|``, tab first for ``.tsv``/``.tab`` files).
"""

from __future__ import annotations

import re
from collections import Counter

from vsm_core.importers.errors import ImportFailed

SEPARATORS = (",", ";", "\t", "|")
#: Records looked at to guess the separator.
SNIFF_RECORDS = 50
#: The first prefix of the text decoded to sniff it (grown until it holds the records).
SNIFF_PREFIX_BYTES = 1 << 16

# A quoted field (only where a field starts), a candidate separator, or a line end.
_SNIFF_TOKEN = re.compile(r'(?<![^,;\t|\r\n])"[^"]*(?:""[^"]*)*"?|[,;\t|]|\r\n?|\n')


def separator_option(separator: str) -> str:
    """The one character a ``--separator`` names (``tab``, ``comma``, ``;`` ...)."""
    named = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}
    sep = named.get(separator.strip().lower(), separator) if separator.strip() else separator
    if len(sep) != 1 or sep in '"\r\n':
        raise ImportFailed(f"the separator must be one character other than a quote, not {sep!r}")
    return sep


def sniff_separator(text: bytes, prefer_tab: bool) -> str:
    """The separator of UTF-8 ``text``, decoding only a prefix of it.

    The prefix ends at a line end and holds enough records for the sniffer
    to stop before its end (or it is all of the text). Tokens are found left
    to right, so every token before the last one of the prefix is the same
    in the whole text, and so are the records the sniffer counted when it
    stopped at the last of :data:`SNIFF_RECORDS` (a line end, before that
    last token).
    """
    limit = SNIFF_PREFIX_BYTES
    while True:
        whole = limit >= len(text)
        cut = len(text) if whole else text.rfind(b"\n", 0, limit) + 1
        if cut > 0 or whole:
            records, stopped = sniff_records(text[:cut].decode("utf-8"))
            if stopped or whole:
                return _choose_separator(records, prefer_tab)
        limit *= 4


def sniff_records(text: str) -> tuple[list[Counter[str]], bool]:
    """(candidate counts of the first SNIFF_RECORDS non-blank records, whether it stopped
    there before the end of ``text``)."""
    records: list[Counter[str]] = []
    current: Counter[str] = Counter()
    start = 0
    for match in _SNIFF_TOKEN.finditer(text):
        token = match.group()
        if token in SEPARATORS:
            current[token] += 1
        elif token[0] in "\r\n":
            if text[start : match.start()].strip():
                records.append(current)
                if len(records) >= SNIFF_RECORDS:
                    return records, True
            current, start = Counter(), match.end()
    if text[start:].strip():
        records.append(current)
    return records, False


def _choose_separator(records: list[Counter[str]], prefer_tab: bool) -> str:
    order = ("\t", ",", ";", "|") if prefer_tab else SEPARATORS
    if not records:
        return order[0]
    scores = []
    for priority, sep in enumerate(order):
        counts = Counter(record[sep] for record in records if record[sep])
        if counts:
            hits = counts.most_common(1)[0][1]  # records agreeing on the commonest count
            scores.append((hits / len(records), -priority, sep))
    if not scores:
        return order[0]  # a single column
    # The candidate most records agree on; among equals, the first in ``order``. A
    # semicolon file whose numbers have decimal commas (``02/02/2026;Cost;12.093,58``) has
    # a comma in every data record but not in the header: the semicolon agrees in all.
    return max(scores)[2]
