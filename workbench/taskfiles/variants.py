"""Language variants of the ESCO tasks, declared in ``tasks/_esco_languages.yaml`` (no file per language variant).

``<task>-<ll>`` is the English task file with queries and targets in language ``ll``; ``<task>-<ll>-<tt>``
is cross-lingual: queries in ``ll``, targets in ``tt``, joined by concept URI. A language variant differs
from its English task only in its name, description, languages, files and language parameters; the ``partition``
file is always the English classification zip, so every language agrees on which concept is in which split.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Literal

from pydantic import Field

from workbench.errors import WorkBenchError
from workbench.schema import StrictFrozen
from workbench.taskfiles.spec import TaskSpec, load_declaration

DECLARATION = "_esco_languages.yaml"
_LANGUAGE = r"[a-z]{2}"


class LanguageVariants(StrictFrozen):
    release: str = Field(pattern=r"^\d+(\.\d+)*$")
    languages: list[str] = Field(min_length=1)
    tasks: list[str] = Field(min_length=1)
    suites: dict[str, Literal["monolingual", "to-and-from-english"]] = Field(default_factory=dict)

    def zip_path(self, language: str) -> str:
        from workbench.data.data_manifest import esco_zip_name

        return f"esco/v{self.release}/{esco_zip_name(self.release, language)}"


def parse_variant_name(name: str, bases: set[str]) -> tuple[str, str, str] | None:
    """'esco-jobnorm-de' -> ('esco-jobnorm', 'de', 'de'); 'esco-jobnorm-de-en' -> (..., 'de', 'en')."""
    for base in sorted(bases, key=len, reverse=True):
        match = re.fullmatch(rf"{re.escape(base)}-({_LANGUAGE})(?:-({_LANGUAGE}))?", name)
        if match:
            return base, match[1], match[2] or match[1]
    return None


def variant_spec(base: TaskSpec, query_language: str, target_language: str, decl: LanguageVariants) -> TaskSpec:
    """The English task ``base`` with its queries in one language and its targets in another (or the same)."""
    for language in (query_language, target_language):
        if language not in decl.languages:
            raise WorkBenchError(
                f"task {base.name}: language {language!r} is not an ESCO v{decl.release} language "
                f"({', '.join(decl.languages)})"
            )
    if query_language == target_language == "en":
        raise WorkBenchError(f"{base.name}-en is the English task itself: use {base.name}")
    cross = query_language != target_language
    name = f"{base.name}-{query_language}" + (f"-{target_language}" if cross else "")
    files = {**base.source.files, "classification": decl.zip_path(query_language), "partition": decl.zip_path("en")}
    params = {**base.source.params, "language": query_language}
    if cross:
        files["target_classification"] = decl.zip_path(target_language)
        params["target_language"] = target_language
    where = (
        f"queries in {query_language}, targets in {target_language} (joined by concept URI)"
        if cross
        else f"queries and targets in {query_language}"
    )
    description = (
        f"{base.description} Language variant of {base.name}: {where}, from the ESCO v{decl.release} "
        f"classification zips of those languages; the concept partition is the English one."
    )
    data = base.model_dump(mode="json")
    data.update(
        name=name,
        description=description,
        languages={"query": [query_language], "target": [target_language]},
        suites=[],
        subset=f"{query_language}-{target_language}" if cross else query_language,
    )
    data["source"] = {**data["source"], "files": files, "params": params}
    return TaskSpec.model_validate(data)


def suite_members(decl: LanguageVariants, kind: str) -> list[tuple[str, str, str]]:
    """(base task, query language, target language) of every language variant in a declared suite, in order."""
    others = [lang for lang in decl.languages if lang != "en"]
    if kind == "monolingual":
        pairs = [(lang, lang) for lang in others]
    else:
        pairs = [pair for lang in others for pair in ((lang, "en"), ("en", lang))]
    return [(base, q, t) for base in decl.tasks for q, t in pairs]


@cache
def declaration(folder: str) -> LanguageVariants | None:
    return load_declaration(Path(folder) / DECLARATION, LanguageVariants)
