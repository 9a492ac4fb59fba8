"""Model names a board can show: one name reads one way, and never like another model's name.

A name is refused when it is not NFKC-normalised (a full-width or ligature spelling of another name), holds
a control, format or separator character other than the plain space (U+2028, a no-break space, tabs), has
leading or trailing white space, or — on a board — reads like another model's name: its *skeleton*
(NFKC, Cyrillic and Greek look-alikes mapped to their Latin letter, case-folded) equals another name's
while it uses a look-alike letter. The look-alike map is deliberately small (the letters that render like
Latin ones in common fonts); it is not Unicode's full confusables table.
"""

from __future__ import annotations

import unicodedata

# Cyrillic and Greek letters that render like a Latin letter in common fonts.
_LOOKALIKES = {
    **dict(zip("аеорсухіјѕԁԛԝһӏ", "aeopcyxijsdqwhl", strict=True)),  # Cyrillic lower case
    **dict(zip("АВЕКМНОРСТХІЈЅ", "ABEKMHOPCTXIJS", strict=True)),  # Cyrillic upper case
    **dict(zip("αοιкνρυχ", "aoikvpux", strict=True)),  # Greek lower case (к is Cyrillic ka, same look)
    **dict(zip("ΑΒΕΖΗΙΚΜΝΟΡΤΥΧ", "ABEZHIKMNOPTYX", strict=True)),  # Greek upper case
}


def skeleton(name: str) -> str:
    return "".join(_LOOKALIKES.get(c, c) for c in unicodedata.normalize("NFKC", name)).casefold()


def uses_lookalikes(name: str) -> bool:
    return any(c in _LOOKALIKES for c in name)


def name_problem(name: str) -> str | None:
    """Why `name` cannot be a board row's name on its own, or None."""
    if unicodedata.normalize("NFKC", name) != name:
        return f"model.name {name!r} is not NFKC-normalised (it reads as {unicodedata.normalize('NFKC', name)!r})"
    hidden = [c for c in name if unicodedata.category(c)[0] in "CZ" and c != " "]
    if hidden:
        return (
            f"model.name {name!r} holds the character U+{ord(hidden[0]):04X} "
            f"({unicodedata.name(hidden[0], 'unnamed')}); only letters, digits, punctuation and plain spaces"
        )
    if name != name.strip():
        return f"model.name {name!r} has leading or trailing white space"
    return None


def lookalike_of(name: str, others: set[str]) -> str | None:
    """The other name that `name` imitates with look-alike letters, or None."""
    if not uses_lookalikes(name):
        return None
    mine = skeleton(name)
    return next((o for o in sorted(others) if o != name and skeleton(o) == mine and not uses_lookalikes(o)), None)


def card_problem(parameters: int | None) -> str | None:
    if parameters is not None and parameters < 0:
        return f"model.parameters is {parameters}; a parameter count is >= 0"
    return None


__all__ = ["card_problem", "lookalike_of", "name_problem", "skeleton", "uses_lookalikes"]
