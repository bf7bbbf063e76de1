"""Hierarchical decomposition: split a theorem with a planner sketch, prove the pieces, assemble.

    decomposer = Decomposer(prover, Planner(toolchain), max_depth=1)
    attempt = decomposer.prove(theorem)      # direct search first; decomposition if it fails

1. **Direct search** (:meth:`search.prove.SearchProver.prove`). If it proves the theorem, done.
2. **Sketches.** The planner proposes `have` sketches (`prover.planner.Planner.candidates`:
   structural splits of `∧`/`↔`, case splits, induction skeletons, LM `have` chains). They are
   ranked by :func:`decomposition_score` (best first) and the best `max_sketches` are checked
   in ONE Lean process: each sketch runs as the tactic path `intro …; have hᵢ : Aᵢ := ?_ …;
   closing tactic`. A sketch Lean accepts leaves exactly one goal per `have` — the subgoals,
   each with the hypotheses it may use (the theorem's, the intros, the earlier `have`s).
3. **Pieces.** Each subgoal becomes a theorem of its own (same context; its hypotheses as
   binders, its target as the type) and is proved by the same procedure one level deeper:
   direct search, then, while `depth < max_depth`, decomposition again. Pieces go through
   the prover, so the proof cache serves and records them like any theorem.
4. **Assembly.** The sketch with each `have … := ?_` replaced by `have … := <piece's proof>`
   is the candidate proof; it is returned only after the prover's clean re-check of the whole
   theorem. The first sketch whose pieces are all proved and whose assembly re-checks wins,
   and goes into the proof cache under the theorem's initial goal (a later run is served
   from the cache without decomposing again).

Decomposition is a fallback (direct search first, always) so that easy theorems pay nothing
for it; a theorem the direct search proves is never decomposed.
"""

from __future__ import annotations

import re
import time
from dataclasses import asdict, dataclass, field

from lean_prover.lean_env.file_engine import FileEngine
from lean_prover.lean_env.limits import DEFAULT_HEARTBEATS
from lean_prover.lean_env.goals import Goal
from lean_prover.lean_env.results import TacticState, render_script
from lean_prover.lean_env.theorem import Theorem
from lean_prover.prover.planner import Planner, Sketch
from lean_prover.prover.statement import StatementError, parse_statement
from lean_prover.search.attempt import AttemptStatus, ProofAttempt, ProverFacade
from lean_prover.search.prove import SearchProver

_BINDER_WORDS = ("∀", "∃", "∃!", "fun", "λ", "Σ", "∑", "∏")
_CONNECTIVES = ("∧", "∨", "↔", "→", "¬")
_TOKEN_RE = re.compile(r"[\w.'!?₀-₉✝]+|[^\s\w()\[\]{}⟨⟩,]")
_INACCESSIBLE = "✝"


def goal_complexity(text: str) -> int:
    """Symbols + 2·binders + 2·connectives of a proposition's text (the size measure of the
    decomposition score: a subgoal should be smaller than its parent on it)."""
    tokens = _TOKEN_RE.findall(text)
    binders = sum(t in _BINDER_WORDS for t in tokens)
    connectives = sum(t in _CONNECTIVES for t in tokens)
    return len(tokens) + 2 * binders + 2 * connectives


def decomposition_score(parent: str, sketch: Sketch) -> float:
    """How much simpler the sketch's subgoals are than the parent target, in (-∞, 1].

    1 − (size of the largest subgoal) / (size of the parent), sizes by :func:`goal_complexity`:
    positive when every subgoal is smaller than the parent (splitting `A ∧ B` scores about ½),
    zero or negative when some subgoal is as large or larger (case splits and induction steps
    restate the whole target, so they rank after real splits). A sketch with no `have` scores 0.
    """
    if not sketch.steps:
        return 0.0
    size = max(goal_complexity(parent), 1)
    return 1.0 - max(goal_complexity(s) for s in sketch.subgoals()) / size


@dataclass(frozen=True)
class Subgoal:
    """One piece of an accepted sketch: the `have` it proves and the theorem it becomes."""

    have_name: str
    statement: str  # the `have`'s type as the sketch wrote it
    theorem: Theorem


@dataclass
class PieceReport:
    """What happened to one piece (JSON-ready through `to_dict`)."""

    name: str
    statement: str
    status: AttemptStatus
    proof: str = ""
    expansions: int = 0
    lean_calls: int = 0
    from_cache: bool = False
    decomposition: dict = field(default_factory=dict)

    @classmethod
    def of(cls, subgoal: Subgoal, attempt: ProofAttempt) -> "PieceReport":
        """The report of a piece's attempt."""
        return cls(subgoal.theorem.name, subgoal.statement, attempt.status, attempt.proof, attempt.expansions,
                   attempt.lean_calls, attempt.from_cache, attempt.decomposition)

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


class Decomposer(ProverFacade):
    """Direct search, then planner sketches whose pieces are proved separately (depth-limited)."""

    def __init__(self, prover: SearchProver, planner: Planner | None = None, max_depth: int = 1,
                 max_sketches: int = 2) -> None:
        if max_depth < 0 or max_sketches < 1:
            raise ValueError("max_depth must be ≥ 0 and max_sketches ≥ 1")
        self.prover = prover
        self.planner = planner or Planner(prover.toolchain, lean_gate=prover.lean_gate)
        self.max_depth, self.max_sketches = max_depth, max_sketches

    def prove(self, theorem: Theorem, depth: int = 0) -> ProofAttempt:
        """Prove `theorem`: direct search, then (if `depth < max_depth`) decomposition."""
        started = time.monotonic()
        direct = self.prover.prove(theorem)
        if direct.status in ("proved", "error") or depth >= self.max_depth:
            return direct
        attempt = self._decompose(theorem, direct, depth)
        attempt.time_s = round(time.monotonic() - started, 3)
        return attempt

    def _decompose(self, theorem: Theorem, direct: ProofAttempt, depth: int) -> ProofAttempt:
        tried: list[dict] = []
        attempt = ProofAttempt(theorem.name, direct.status, expansions=direct.expansions,
                               lean_calls=direct.lean_calls, probes=direct.probes, stop_reason=direct.stop_reason,
                               detail=direct.detail, trace=direct.trace, root_state=direct.root_state)
        attempt.decomposition = {"depth": depth, "direct": direct.stop_reason, "sketches": tried}
        ranked = self.ranked_sketches(theorem)
        if not ranked:
            return attempt
        root, accepted = self.split(theorem, [sketch for sketch, _ in ranked])
        attempt.lean_calls += 1
        for (sketch, score), subgoals in zip(ranked, accepted):
            record = {"origin": sketch.origin, "score": round(score, 3), "accepted": subgoals is not None,
                      "pieces": []}
            tried.append(record)
            if subgoals is None:
                continue
            proofs = []
            for subgoal in subgoals:
                piece = self.prove(subgoal.theorem, depth + 1)
                attempt.expansions += piece.expansions
                attempt.lean_calls += piece.lean_calls
                attempt.probes += piece.probes
                record["pieces"].append(PieceReport.of(subgoal, piece).to_dict())
                if piece.status != "proved":
                    break
                proofs.append(piece.proof)
            if len(proofs) < len(subgoals):
                continue
            tactics = assemble(sketch, proofs)
            proof = render_script(tactics)
            record["rechecked"] = self.prover.verify(theorem, proof)
            if record["rechecked"]:
                attempt.status, attempt.proof, attempt.tactics = "proved", proof, tactics
                attempt.stop_reason, attempt.detail = "decomposed", f"{sketch.origin}: {len(subgoals)} pieces"
                if self.prover.cache is not None and root:
                    self.prover.cache.put_proof(root, tactics, source=theorem.name)
                return attempt
        return attempt

    def ranked_sketches(self, theorem: Theorem) -> list[tuple[Sketch, float]]:
        """The planner's candidate sketches with their scores, best first (at most `max_sketches`)."""
        try:
            candidates = self.planner.candidates(theorem.statement, theorem.context)
            target = parse_statement(theorem.statement).target
        except StatementError:
            return []
        scored = [(s, decomposition_score(target, s)) for s in candidates if s.steps]
        scored.sort(key=lambda pair: -pair[1])  # stable: the planner's order breaks ties
        return scored[: self.max_sketches]

    def split(self, theorem: Theorem, sketches: list[Sketch]) -> tuple[str, list[list[Subgoal] | None]]:
        """Check sketches in one Lean process: the theorem's initial goal text ("" if Lean gave
        none; the cache key of an assembled proof) and per sketch its subgoals, or None if Lean
        rejects it."""
        engine = FileEngine(self.toolchain, theorem, DEFAULT_HEARTBEATS, self.tactic_timeout_s)
        initial, *results = engine.evaluate([()] + [tuple(open_tactics(s)) for s in sketches])
        out: list[list[Subgoal] | None] = []
        for sketch, result in zip(sketches, results):
            goals = subgoal_goals(sketch, result.goals) if isinstance(result, TacticState) else None
            if goals is None:
                out.append(None)
                continue
            pieces = [Subgoal(step.name, step.statement, piece_theorem(theorem, f"{theorem.name}_piece{i}", goal))
                      for i, (step, goal) in enumerate(zip(sketch.steps, goals), start=1)]
            out.append(None if any(p.theorem is None for p in pieces) else pieces)
        return (initial.pp if isinstance(initial, TacticState) else ""), out


def open_tactics(sketch: Sketch) -> list[str]:
    """The sketch's tactics with each `have … := by sorry` left open as `have … := ?_`."""
    head = [f"intro {' '.join(sketch.intros)}"] if sketch.intros else []
    return head + [f"have {s.name} : {s.statement} := ?_" for s in sketch.steps] + [sketch.closing]


def assemble(sketch: Sketch, proofs: list[str]) -> list[str]:
    """The sketch's tactics with each `have` proved by the matching piece's proof (a `by` block)."""
    head = [f"intro {' '.join(sketch.intros)}"] if sketch.intros else []
    haves = [f"have {s.name} : {s.statement} := {proof}" for s, proof in zip(sketch.steps, proofs)]
    return head + haves + [sketch.closing]


def subgoal_goals(sketch: Sketch, goals: list[Goal]) -> list[Goal] | None:
    """The goal of each `have`, in the sketch's order, or None when the goals do not match.

    The goal of the i-th `have` is the one that sees exactly the earlier `have` names among its
    hypotheses (Lean lists the open `?_` goals in its own order)."""
    names = [s.name for s in sketch.steps]
    if len(goals) != len(names):
        return None
    by_index: dict[int, Goal] = {}
    for goal in goals:
        seen = sum(name in goal.names for name in names)
        if seen in by_index or seen >= len(names):
            return None
        by_index[seen] = goal
    return [by_index[i] for i in range(len(names))]


def piece_theorem(parent: Theorem, name: str, goal: Goal) -> Theorem | None:
    """The theorem `name` whose binders are the goal's hypotheses and whose type is its target,
    in the parent's context; None for a goal that cannot be stated (a `let` hypothesis)."""
    binders = []
    for index, hyp in enumerate(goal.hypotheses):
        if hyp.value is not None:
            return None
        if all(_INACCESSIBLE in n for n in hyp.names) and hyp.names[0].startswith("inst"):
            binders.append(f"[{hyp.type}]")
            continue
        names = [n if _INACCESSIBLE not in n else f"{n.replace(_INACCESSIBLE, '')}_{index}" for n in hyp.names]
        binders.append(f"({' '.join(names)} : {hyp.type})")
    header = " ".join([f"theorem {name}"] + binders)
    return Theorem(name, f"{header} : {goal.target}", parent.context)


__all__ = ["Decomposer", "PieceReport", "Subgoal", "assemble", "decomposition_score", "goal_complexity",
           "open_tactics", "piece_theorem", "subgoal_goals"]
