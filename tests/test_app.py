"""The application floor without Lean: options dataclasses that generate flags and validate
themselves, help text on every option, `--version`, one-line errors for bad option mixes, the
progress display (bar and lines), `build_prover`'s choice of pool, and the benchmark plot."""

from __future__ import annotations

import argparse
import dataclasses
import io
import json
from pathlib import Path
from typing import Literal

import pytest

from lean_prover.app.build import ProveOptions, build_prover
from lean_prover.app.cli import build_parser, dispatch, main
from lean_prover.app.console import CommandError
from lean_prover.app.options import add_options, option, parse_options
from lean_prover.app.progress import RunProgress
from lean_prover.lean_env.toolchain import Toolchain


def _subcommand_parsers(parser: argparse.ArgumentParser, prefix: str = "prover"):
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield f"{prefix} {name}", sub
                yield from _subcommand_parsers(sub, f"{prefix} {name}")


def test_every_option_of_every_command_has_help_text():
    commands = dict(_subcommand_parsers(build_parser()))
    assert {"prover prove", "prover bench", "prover check", "prover train expert-iteration", "prover train grpo",
            "prover train critic", "prover train pool", "prover suggest"} <= set(commands)
    missing = [f"{name} {action.option_strings or action.dest}" for name, parser in commands.items()
               for action in parser._actions
               if not isinstance(action, argparse._SubParsersAction) and not (action.help or "").strip()]
    assert missing == []


def test_version(capsys):
    from importlib.metadata import version

    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out.strip() == f"prover {version('lean-prover')}"


@dataclasses.dataclass(frozen=True, kw_only=True)
class Sample:
    name: str = option(positional=True, help="a name")
    count: int = option(3, metavar="N", help="how many")
    ratio: float | None = option(None, help="a ratio")
    mode: Literal["a", "b"] = option("a", help="which mode")
    fast: bool = option(False, help="go fast")
    check: bool = option(True, flags=("--no-check",), help="skip the check")
    split: bool = option(True, negatable=True, help="split")
    tags: list[str] = option([], action="append", help="a tag")

    def __post_init__(self) -> None:
        if self.count < 1:
            raise ValueError("--count must be at least 1")


def test_options_generate_typed_flags_and_validate():
    parser = add_options(argparse.ArgumentParser(), Sample)
    options = parse_options(Sample, parser.parse_args(["x"]))
    assert options == Sample(name="x")
    options = parse_options(Sample, parser.parse_args(
        ["y", "--count", "5", "--ratio", "0.5", "--mode", "b", "--fast", "--no-check", "--no-split",
         "--tags", "p", "--tags", "q"]))
    assert options == Sample(name="y", count=5, ratio=0.5, mode="b", fast=True, check=False, split=False,
                             tags=["p", "q"])
    assert "how many (3)" in parser.format_help() and "split (on)" in parser.format_help()
    with pytest.raises(SystemExit):
        parser.parse_args(["x", "--mode", "c"])  # not a choice
    with pytest.raises(CommandError, match="--count must be at least 1"):
        parse_options(Sample, parser.parse_args(["x", "--count", "0"]))


@pytest.mark.parametrize("argv, message", [
    (["prove", "f.lean", "--concurrency", "2", "--workers", "2"], "--concurrency batches one process"),
    (["prove", "f.lean", "--pool-size", "2"], "--pool-size sets the Lean pool of --engine session"),
    (["prove", "f.lean", "--engine", "session", "--pool-max-uses", "0"], "--pool-max-uses must be at least 1"),
    (["prove"], "give a FILE.lean or --statement"),
    (["prove", "f.lean", "--width", "0"], "width and nodes_per_call must be at least 1"),
    (["check", "f.lean", "--timeout", "0"], "--timeout must be positive"),
    (["bench", "core", "--limit", "0"], "--limit must be at least 1"),
    (["train", "expert-iteration", "--out", "d", "--model-weight", "2"], "--model-weight must be in"),
    (["train", "expert-iteration", "--out", "d", "--pool-families", "-1"], "--pool-families must be at least 0"),
    (["train", "pool", "--out", "p.jsonl", "--families", "-1"], "--families must be at least 0"),
    (["suggest", "--goal", "⊢ True", "-k", "0"], "-k must be at least 1"),
])
def test_bad_option_mixes_are_one_line_errors(argv, message, capsys):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("prover: error: ") and message in err


def test_progress_lines_without_a_bar(capsys):
    with RunProgress(bar=False, tag="t") as shown:
        shown.phase("prove", total=2)
        shown.advance("a: proved", solved=1, lean_calls=3)
        shown.live(lean_calls=5)
        shown.advance("b: not proved", solved=0, lean_calls=4)
        assert shown.counts == {"done": 2, "solved": 1, "lean_calls": 7}
    assert capsys.readouterr().err.splitlines() == ["[t] [1/2] a: proved", "[t] [2/2] b: not proved"]
    with RunProgress(bar=False, quiet=True) as quiet:
        quiet.phase("x", total=1)
        quiet.advance("hidden")
    assert capsys.readouterr().err == ""


def test_progress_bar_shows_done_solved_and_lean_calls():
    from rich.console import Console

    screen = io.StringIO()
    with RunProgress(bar=True, console=Console(file=screen, force_terminal=True, width=160)) as shown:
        assert shown.drawing
        shown.phase("bench core", total=3)
        shown.advance("p1: proved", solved=1, lean_calls=2)
        shown.live(lean_calls=4)
        shown.advance("p2: proved", solved=1, lean_calls=6)
    text = screen.getvalue()
    assert "bench core" in text and "2/3" in text and "solved 2" in text and "lean calls 8" in text
    assert "[prover] [2/3] p2: proved" in text


def test_progress_bar_is_off_for_json_quiet_and_a_pipe():
    assert not RunProgress.for_command(json=True).drawing
    assert not RunProgress.for_command(quiet=True).drawing
    assert not RunProgress.for_command().drawing  # pytest's stdout is not a terminal


def _options(*argv: str) -> ProveOptions:
    return parse_options(ProveOptions, build_parser().parse_args(["prove", "f.lean", *argv]))


def test_build_prover_picks_the_pool_and_reads_the_model_config_once(tmp_path):
    from lean_prover.search.decompose import Decomposer
    from lean_prover.search.lockstep import LockstepPool
    from lean_prover.search.prove import SearchProver
    from lean_prover.search.workers import WorkerPool

    toolchain = Toolchain("native", ("lean",))
    config = tmp_path / "models.yaml"
    config.write_text("policy:\n  backend: rules\ncritic:\n  backend: rules\n", encoding="utf-8")
    options = _options("--model", str(config), "--search", "mcts")
    config.unlink()  # read once, when the options were validated
    one = build_prover(options, toolchain)
    assert isinstance(one, Decomposer) and isinstance(one.prover, SearchProver) and one.prover.critic is not None
    assert not one.independent and one.prover.engines.kind == "file"
    assert isinstance(build_prover(_options("--no-decompose"), toolchain), SearchProver)
    pool = build_prover(_options("--concurrency", "3"), toolchain)
    assert isinstance(pool, LockstepPool) and pool.independent and pool.concurrency == 3
    workers = build_prover(_options("--workers", "2"), toolchain)
    assert isinstance(workers, WorkerPool) and workers.independent and workers.factory.decompose
    session = build_prover(_options("--engine", "session", "--no-decompose", "--pool-max-uses", "7"), toolchain)
    assert session.engines.kind == "session" and session.engines.lean_pool.policy.max_uses == 7
    # the Lean pool combines with lockstep (the rounds go to the pool) and with worker processes (one pool each)
    shared = build_prover(_options("--engine", "session", "--concurrency", "3", "--pool-size", "2"), toolchain)
    assert isinstance(shared, LockstepPool) and shared.prover.engines.lean_pool.policy.size == 2
    spread = build_prover(_options("--engine", "session", "--workers", "2", "--pool-max-rss-gb", "5"), toolchain)
    assert isinstance(spread, WorkerPool) and spread.factory.engine == "session"
    assert spread.factory.pool_policy.max_rss_gb == 5.0


def test_solved_plot_has_integer_ticks(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from lean_prover.app.benchmark import _plot

    rows = [{"status": "proved", "time_s": 1.0, "baseline_solved_by": []},
            {"status": "not_proved", "time_s": 2.0, "baseline_solved_by": ["omega"]}]
    seen = []
    original = plt.Figure.savefig
    try:
        plt.Figure.savefig = lambda figure, path, **kw: seen.append(figure.axes[0].get_yticks().tolist())
        _plot(rows, tmp_path / "solved.png")
    finally:
        plt.Figure.savefig = original
    assert seen and all(float(tick).is_integer() for tick in seen[0])


def test_dispatch_runs_the_validated_options(capsys):
    assert dispatch(build_parser().parse_args(["suggest", "--goal", "⊢ 2 + 2 = 4", "-k", "1", "--json"])) == 0
    assert json.loads(capsys.readouterr().out)["suggestions"][0]["tactic"] == "omega"


def test_examples_proved_files_are_ignored():
    ignored = (Path(__file__).resolve().parent.parent / ".gitignore").read_text().splitlines()
    assert "examples/*.proved.lean" in ignored


def test_bench_says_it_reuses_a_finished_folder(tmp_path):
    """A folder that already holds every problem's row is reused as it is: nothing is proved
    (the prover is never called) and the caller is told so before any work."""
    from lean_prover.app.benchmark import RunInfo, run_benchmark
    from lean_prover.prover.suite import load_suite

    problems = load_suite("core", split="test", limit=2)
    info = RunInfo("core", "test", {"algorithm": "bfs"}, "rules", 0, "4.28")
    rows = [{"name": p.name, "status": "proved", "time_s": 1.0, "lean_calls": 1, "expansions": 1,
             "fingerprint": info.fingerprint()} for p in problems]
    (tmp_path / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")

    class NeverCalled:
        toolchain = None

        def prove_all(self, theorems, on_attempt):
            raise AssertionError("a finished folder must not be proved again")

    told = []
    assert run_benchmark(NeverCalled(), problems, tmp_path, info, on_resume=lambda f, n: told.append((f, n))) == rows
    assert told == [(2, 2)]
    resumed = []
    run_benchmark(NeverCalled(), problems[:1], tmp_path, info, on_resume=lambda f, n: resumed.append((f, n)))
    assert resumed == [(1, 1)]


def test_prove_untrusted_refuses_a_file_that_runs_code_before_lean_sees_it(capsys):
    untrusted = Path(__file__).resolve().parent / "lean" / "untrusted.lean"
    assert main(["prove", str(untrusted), "--untrusted", "--lean", "/nonexistent/lean"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "untrusted file runs code while it is elaborated: #eval at" in err
