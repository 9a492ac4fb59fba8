"""Options and setting parsers shared by the commands (and by plugins' commands, e.g. `workbench uwe`)."""

from __future__ import annotations

import click

from workbench.errors import WorkBenchError

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Data directory (default: $WORKBENCH_DATA_DIR, else a per-user folder; docs/data.md).",
)
no_fetch_option = click.option(
    "--no-fetch",
    is_flag=True,
    help="Never download missing data files: name them and the command that gets them "
    "(also: WORKBENCH_OFFLINE=1). Default: fetch them first, from $WORKBENCH_DATA_URL "
    "if set, else from the publishers.",
)
cache_dir_option = click.option(
    "--cache-dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Cache for embeddings and checksums (default: $WORKBENCH_CACHE_DIR or ~/.cache/workbench).",
)
model_setting_option = click.option(
    "--model-setting",
    "-s",
    "model_setting",
    multiple=True,
    metavar="KEY=VALUE",
    help="A model setting, e.g. name=my-model (the name of a folder or hub model on the board; else its model "
    "card's), device=cuda, batch_size=128, fp16=true, max_seq_length=64, "
    'devices=\'["cuda:0","cuda:1"]\' (VALUE is read as JSON when it parses, else as text). '
    "Given to every model that accepts it; `workbench models list --json` shows each model's settings.",
)


def parse_model_settings(items) -> dict:
    """`KEY=VALUE` strings -> {key: value}; VALUE as JSON when it parses (numbers, true/false, lists), else text."""
    import json

    settings: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key.isidentifier():
            raise WorkBenchError(
                f"--model-setting {item!r}: expected KEY=VALUE with KEY a setting name, e.g. batch_size=32"
            )
        if key in settings:
            raise WorkBenchError(f"--model-setting {key!r} is given twice")
        try:
            settings[key] = json.loads(value)
        except ValueError:
            settings[key] = value
    if settings.get("name") is not None:  # a name becomes the result folder: refused before any model loads
        from workbench.names import check_name

        check_name(settings["name"], "--model-setting name: model name")
    return settings


def settings_per_model(names: list[str], settings: dict) -> dict[str, dict]:
    """Each model gets the settings it accepts; a setting that no model of the run accepts is an error."""
    if not settings:
        return {}
    from workbench.models.registry import accepted_settings

    accepted = {name: set(accepted_settings(name)) for name in names}
    unused = sorted(k for k in settings if not any(k in acc for acc in accepted.values()))
    if unused:
        known = "; ".join(f"{name}: {', '.join(sorted(acc)) or 'none'}" for name, acc in accepted.items())
        raise WorkBenchError(f"--model-setting {', '.join(unused)}: accepted by none of the models (accepted: {known})")
    return {name: {k: v for k, v in settings.items() if k in accepted[name]} for name in names}
