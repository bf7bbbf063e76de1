"""The hostile corpus of issue 14 (`tests/lean/hostile/`): files built to get a false `proved`
out of `prover check`, and tricky legitimate files that must stay `proved`.

Each corpus file starts with comment lines that say what must happen to it:

- `-- expect: proved` (the file is proved) or `-- expect: rejected` (it must not be proved);
- `-- cause: TEXT` (optional): TEXT appears in the file's detail or in some declaration's
  status or detail (a rule such as `no_exit`, or a status such as `unverified`);
- `-- problem: problems/NAME.lean` (optional): check it against that problem file (`--against`);
- `-- untrusted: rejected` (optional): the legality checker rejects it before Lean under
  `--untrusted` (for a legitimate file: one that is proved, but runs code while it is checked,
  such as a `notation`, so `--untrusted` and the RL reward must reject it).

Without Lean, every file goes through the lexer and the legality checker. With Lean, the default
run checks a sample of the corpus (the attacks named in issue 14 and legitimate files of each
kind: one `check` each, about half a minute per file on the embedded Lean); the `slow` test checks
the whole corpus three ways — plain (with the problem file where one is named), `--untrusted`,
and the whole-proof RL reward — which must give the expected verdicts (`proved` only for files
that are `proved`, and for the last two only if not marked `untrusted: rejected`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

from lean_prover.lean_env.legality import check_legality
from lean_prover.lean_env.lexer import tokenize
from lean_prover.lean_env.source import find_declarations
from lean_prover.lean_env.verify import CheckOptions, FileResult, check_files
from lean_prover.training.rewards import whole_proof_reward

ROOT = Path(__file__).resolve().parent.parent
HOSTILE = ROOT / "tests" / "lean" / "hostile"
HEADER_KEYS = ("expect", "cause", "problem", "untrusted")


@dataclass(frozen=True)
class CorpusFile:
    """One corpus file and what its header demands."""

    path: Path
    expect: Literal["proved", "rejected"]
    cause: str | None
    problem: Path | None
    untrusted_rejected: bool

    @property
    def source(self) -> str:
        """The file's text, exactly as stored (CRLF files keep their CRLFs)."""
        return self.path.read_bytes().decode("utf-8")

    @property
    def proved_when_untrusted(self) -> bool:
        """The verdict `--untrusted` and the RL reward must give: proved only for a legitimate file
        that runs no code while it is checked (a legitimate `notation` is rejected there)."""
        return self.expect == "proved" and not self.untrusted_rejected

    @property
    def problem_text(self) -> str | None:
        """The named problem file's text, or None."""
        return self.problem.read_bytes().decode("utf-8") if self.problem else None


def read_header(path: Path) -> CorpusFile:
    """The demands in the leading `-- key: value` comment lines of a corpus file."""
    fields: dict[str, str] = {}
    for line in path.read_bytes().decode("utf-8").splitlines():
        if not line.startswith("--"):
            break
        key, colon, value = line[2:].strip().partition(":")
        if colon and key.strip() in HEADER_KEYS:
            fields[key.strip()] = value.strip()
    expect = fields.get("expect")
    if expect not in ("proved", "rejected"):
        raise ValueError(f"{path.name}: the header needs `-- expect: proved` or `-- expect: rejected`")
    untrusted = fields.get("untrusted")
    if untrusted not in (None, "rejected"):
        raise ValueError(f"{path.name}: `-- untrusted:` can only say `rejected`")
    problem = HOSTILE / fields["problem"] if "problem" in fields else None
    return CorpusFile(path, expect, fields.get("cause"), problem, untrusted == "rejected")


CORPUS = [read_header(p) for p in sorted(HOSTILE.glob("*.lean"))]
PROVED = [c for c in CORPUS if c.expect == "proved"]
REJECTED = [c for c in CORPUS if c.expect == "rejected"]
# checked by Lean in the default run: the attacks issue 14 names, a lexer desync, a changed
# statement, a command macro that declares another statement, and legitimate files with
# examples, instances, CRLFs and several commands a line
SAMPLE = frozenset({
    "h_exit_same_line.lean", "h_axiom_same_line.lean", "h_exit_after_line_comment.lean",
    "h_eval_process_exit.lean", "h_skip_kernel_guillemets.lean", "h_macro_native_decide.lean",
    "h_instance_reaches_axiom.lean", "h_root_axiom.lean", "h_desync_char_after_bang.lean",
    "h_against_changed_statement.lean", "h_macro_hides_statement.lean",
    "ok_examples.lean", "ok_instances.lean", "ok_crlf.lean", "ok_same_line_decls.lean",
})


def by_name(entries: list[CorpusFile]) -> dict:
    """`pytest.mark.parametrize` arguments: the entries, each with its file name as the id."""
    return {"argvalues": entries, "ids": [e.path.name for e in entries]}


def skeleton(source: str) -> str:
    """The problem a file poses: the file with the proof of each theorem, lemma and example
    replaced by `sorry` (everything else, statements included, byte for byte)."""
    pieces, cursor = [], 0
    for decl in find_declarations(source):
        if not decl.is_proof or decl.assign_start is None or decl.assign_start < cursor:
            continue
        if source.startswith(":=", decl.assign_start):
            start, filler = decl.body_start, " sorry"
        else:  # equations (`| 0 => …`) or `where`: no `:=` to keep
            start, filler = decl.assign_start, ":= sorry"
        pieces.append(source[cursor:start] + filler)
        cursor = decl.end
    return "".join(pieces) + source[cursor:]


def check_corpus(toolchain, untrusted: bool, entries: list[CorpusFile] = CORPUS) -> dict[str, FileResult]:
    """Every file of `entries` checked once (`check_files`, two workers), each against the
    problem file its header names; results by file name."""
    groups: dict[Path | None, list[CorpusFile]] = {}
    for entry in entries:
        groups.setdefault(entry.problem, []).append(entry)
    results: dict[str, FileResult] = {}
    for problem, entries in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        options = CheckOptions(untrusted=untrusted, problem=entries[0].problem_text)
        for entry, result in zip(entries, check_files(toolchain, [e.path for e in entries], options, workers=2)):
            results[entry.path.name] = result
    return results


def summary(result: FileResult) -> str:
    """The verdict in one line, for assertion messages."""
    decls = ", ".join(f"{d.name}={d.status}" for d in result.declarations)
    return f"{result.status}: {result.detail} [{decls}]"


def cause_found(result: FileResult, cause: str) -> bool:
    """Does `cause` appear in the file's detail or in a declaration's status or detail?"""
    texts = [result.detail] + [f"{d.status} {d.detail}" for d in result.declarations]
    return any(cause in text for text in texts)


@pytest.fixture(scope="module")
def plain(toolchain) -> dict[str, FileResult]:
    """The plain check of the sample."""
    return check_corpus(toolchain, untrusted=False, entries=[c for c in CORPUS if c.path.name in SAMPLE])


# ---------------------------------------------------------------- without Lean


def test_corpus_is_big_and_well_formed():
    assert len(CORPUS) >= 45
    assert len(PROVED) >= 15
    for entry in CORPUS:
        assert entry.problem is None or entry.problem.is_file(), entry.path.name
    assert any(b"\r\n" in e.path.read_bytes() for e in PROVED) and any(b"\r\n" in e.path.read_bytes() for e in REJECTED)


@pytest.mark.parametrize("entry", **by_name(CORPUS))
def test_lexer_reads_every_file(entry):
    tokens = tokenize(entry.source)
    assert tokens and tokens[-1].end <= len(entry.source)


@pytest.mark.parametrize("entry", **by_name([c for c in CORPUS if c.untrusted_rejected]))
def test_untrusted_rejected_before_lean(entry):
    report = check_legality(entry.source, entry.problem_text, untrusted=True)
    assert not report.ok, f"{entry.path.name}: no rule fires under --untrusted"


@pytest.mark.parametrize("entry", **by_name(PROVED))
def test_legitimate_files_break_no_rule(entry):
    report = check_legality(entry.source, entry.problem_text, untrusted=entry.proved_when_untrusted)
    assert report.ok, f"{entry.path.name}: {report.describe()}"


def test_skeleton_keeps_statements_and_drops_proofs():
    source = ("theorem a (n : Nat) :\r\n    n + 0 = n := by simp\r\n"
              "theorem b : ∀ n : Nat, n = n\n  | _ => rfl\n"
              "def keep : Nat := 1\nexample : True := trivial\n")
    assert skeleton(source) == ("theorem a (n : Nat) :\r\n    n + 0 = n := sorry\r\n"
                                "theorem b : ∀ n : Nat, n = n\n  := sorry\n"
                                "def keep : Nat := 1\nexample : True := sorry\n")


def test_sample_names_corpus_files():
    assert SAMPLE <= {c.path.name for c in CORPUS}


# ---------------------------------------------------------------- the sample, checked by Lean


@pytest.mark.parametrize("entry", **by_name([c for c in PROVED if c.path.name in SAMPLE]))
def test_legitimate_file_proved(plain, entry):
    result = plain[entry.path.name]
    assert result.status == "proved", summary(result)
    assert result.declarations and all(d.status in ("proved", "ok") for d in result.declarations), summary(result)


@pytest.mark.parametrize("entry", **by_name([c for c in REJECTED if c.path.name in SAMPLE]))
def test_hostile_file_not_proved(plain, entry):
    result = plain[entry.path.name]
    assert result.status != "proved", summary(result)
    if entry.cause is not None:
        assert cause_found(result, entry.cause), f"`{entry.cause}` not named: {summary(result)}"


# ---------------------------------------------------------------- the whole corpus, three ways


@pytest.mark.slow
@pytest.mark.parametrize("entry", **by_name(CORPUS))
def test_corpus_file_plain_untrusted_and_reward(toolchain, entry):
    """One corpus file three ways (one test per file, so that `-n 2` spreads the corpus and a failure
    names its file): plain, `--untrusted`, and the whole-proof RL reward against the file's problem."""
    plain, untrusted = (check_files(toolchain, [entry.path],
                                    CheckOptions(untrusted=flag, problem=entry.problem_text))[0]
                        for flag in (False, True))
    problem = entry.problem_text if entry.problem is not None else skeleton(entry.source)
    reward = whole_proof_reward(toolchain, problem, entry.source).reward
    expected = {"plain": entry.expect == "proved", "untrusted": entry.proved_when_untrusted,
                "reward": entry.proved_when_untrusted}
    verdicts = {"plain": plain.ok, "untrusted": untrusted.ok, "reward": reward == 1.0}
    assert verdicts == expected, f"proved {verdicts}, expected {expected}; plain: {summary(plain)}"
    if entry.cause is not None:
        assert cause_found(plain, entry.cause), f"`{entry.cause}` not named: {summary(plain)}"
