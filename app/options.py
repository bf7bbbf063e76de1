"""Command options as dataclasses that generate their own command-line flags (in the manner
of `transformers.HfArgumentParser`) and validate themselves in `__post_init__`.

    @dataclass(frozen=True, kw_only=True)
    class PoolOptions(LeanOptions):
        out: str = option(help="where to write the pool", metavar="JSONL", required=True)
        logic: int = option(40, help="synthetic logic statements")

    add_options(parser, PoolOptions)            # --lean, --project, --out, --logic
    options = parse_options(PoolOptions, args)  # PoolOptions(...), or a one-line CommandError

A field's flag is `--field-name` (or the `flags` given); its type comes from the annotation:
`int`, `float`, `str`, `Path` (each optionally `| None`), `bool` (a switch: `--x` when it
defaults to False; `--x/--no-x` with `negatable`; only `--no-x` when it defaults to True),
`Literal[...]` (choices) and `list[str]` (`nargs`, or repeated with `append`). The default is
appended to the help text. A field with `positional=True` is an argument without a flag.

`transformers.HfArgumentParser` itself is not used: importing transformers costs seconds, and
every `prover` command (`check`, `--help`, `--version`) would pay it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import types
import typing
from pathlib import Path
from typing import Any, Literal, TypeVar

from lean_prover.app.console import CommandError

Options = TypeVar("Options")
_MISSING = dataclasses.MISSING


def option(default: Any = _MISSING, *, help: str, metavar: str | None = None, flags: tuple[str, ...] = (),
           positional: bool = False, nargs: str | None = None, action: str | None = None,
           negatable: bool = False, required: bool = False, show_default: bool = True) -> Any:
    """A dataclass field that is also a command-line option (module docstring)."""
    metadata = {"help": help, "metavar": metavar, "flags": flags, "positional": positional, "nargs": nargs,
                "action": action, "negatable": negatable, "required": required, "show_default": show_default}
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata)
    if default is _MISSING:
        return dataclasses.field(metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def add_options(parser: argparse.ArgumentParser, cls: type) -> argparse.ArgumentParser:
    """Add one argument per option field of the dataclass `cls` (inherited ones first)."""
    hints = typing.get_type_hints(cls)
    for field in dataclasses.fields(cls):
        if "help" not in field.metadata:
            continue  # not a command-line option (e.g. a value computed in __post_init__)
        parser.add_argument(*_names(field), **_argument(field, hints[field.name]))
    parser.set_defaults(options_class=cls)
    return parser


def parse_options(cls: type[Options], namespace: argparse.Namespace) -> Options:
    """The options of `cls` from parsed arguments; a failed validation is a `CommandError`."""
    values = {f.name: getattr(namespace, f.name) for f in dataclasses.fields(cls)
              if f.init and "help" in f.metadata}
    try:
        return cls(**values)
    except (ValueError, TypeError) as exc:
        raise CommandError(str(exc)) from None


def _names(field: dataclasses.Field) -> list[str]:
    if field.metadata["positional"]:
        return [field.name]
    return list(field.metadata["flags"]) or ["--" + field.name.replace("_", "-")]


def _argument(field: dataclasses.Field, annotation: Any) -> dict[str, Any]:
    meta = field.metadata
    default = field.default_factory() if field.default_factory is not _MISSING else field.default
    kind, optional = _unwrap(annotation)
    spec: dict[str, Any] = {"help": meta["help"]}
    if not meta["positional"]:
        spec["dest"] = field.name
    if default is not _MISSING and not meta["required"]:
        spec["default"] = default
    elif not meta["positional"]:
        spec["required"] = True
    if kind is bool:
        if meta["negatable"]:
            spec["action"] = argparse.BooleanOptionalAction
            spec["help"] += f" ({'on' if default else 'off'})"
        else:
            spec["action"] = "store_false" if default else "store_true"
        return spec
    if typing.get_origin(kind) is Literal:
        spec["choices"] = list(typing.get_args(kind))
    elif typing.get_origin(kind) is list:
        spec["type"] = typing.get_args(kind)[0]
    else:
        spec["type"] = kind
    if meta["metavar"] and "choices" not in spec:
        spec["metavar"] = meta["metavar"]
    if meta["nargs"]:
        spec["nargs"] = meta["nargs"]
    if meta["action"]:
        spec["action"] = meta["action"]
    if meta["show_default"] and default not in (_MISSING, None, [], "") and not meta["required"]:
        spec["help"] += f" ({default:g})" if isinstance(default, float) else f" ({default})"
    elif optional and meta["positional"] and not meta["nargs"]:
        spec["nargs"] = "?"
    return spec


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type inside `X | None`, whether None was allowed)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return (inner[0] if len(inner) == 1 else str), True
    return annotation, False


def positive(value: float | None, flag: str) -> None:
    """Raise ValueError unless `value` (when given) is above 0."""
    if value is not None and value <= 0:
        raise ValueError(f"{flag} must be positive")


def at_least(value: int | float | None, minimum: int, flag: str) -> None:
    """Raise ValueError unless `value` (when given) is at least `minimum`."""
    if value is not None and value < minimum:
        raise ValueError(f"{flag} must be at least {minimum}")


def model_folder(path: str | Path | None, flag: str) -> None:
    """Raise ValueError unless `path` (when given) is a `save_pretrained` folder."""
    if path and not (Path(path) / "config.json").is_file():
        raise ValueError(f"{flag} {path}: not a save_pretrained model folder (no config.json)")


@dataclasses.dataclass(frozen=True, kw_only=True)
class LeanOptions:
    """Which Lean runs (every command that runs Lean)."""

    lean: str | None = option(None, metavar="CMD", help="Lean command to run (default: $LEAN_PROVER_LEAN, then "
                              "`lake env lean` with --project, then `lean` on PATH, then the embedded Lean)")
    project: Path | None = option(None, metavar="DIR", help="a Lake project: run `lake env lean` there")

    def toolchain(self, tag: str = "prover"):
        """The resolved toolchain (installs the embedded Lean on first use, saying so on stderr)."""
        from lean_prover.app.console import progress
        from lean_prover.lean_env.toolchain import resolve_toolchain

        return resolve_toolchain(lean_command=self.lean, project=self.project,
                                 progress=lambda message: progress(message, tag))


@dataclasses.dataclass(frozen=True, kw_only=True)
class OutputOptions:
    """How a long command reports: JSON on stdout, and progress (a bar on a terminal) on stderr."""

    json: bool = option(False, help="print the result as JSON on stdout (no progress bar)")
    quiet: bool = option(False, help="no progress bar and no progress lines on stderr")

    def emit(self, result: dict | list, text: str) -> None:
        """Print a command's result on stdout: JSON with --json, else `text`."""
        print(json.dumps(result, indent=1) if self.json else text)

    def progress(self, tag: str = "prover"):
        """The command's progress display (:class:`app.progress.RunProgress`)."""
        from lean_prover.app.progress import RunProgress

        return RunProgress.for_command(json=self.json, quiet=self.quiet, tag=tag)
