"""`prover train …`: supervised fine-tuning on step data, expert iteration and the shipped
default models (and, through :mod:`app.rl_cli`, GRPO, critic training and the theorem pool).

Wiring (in `app/cli.py`'s `build_parser`)::

    from lean_prover.app.train_cli import add_train_parser
    train = add_train_parser(sub)      # returns the `train` sub-subparsers

Each command's errors (bad suite, a run folder of other settings, no data) are raised as
:class:`app.console.CommandError` with a one-line message; `app/cli.py` prints it and exits 2.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from lean_prover.app.console import CommandError
from lean_prover.app.library_cli import LeanKnowledgeOptions
from lean_prover.app.options import LeanOptions, OutputOptions, at_least, model_folder, option, positive
from lean_prover.app.progress import RunProgress
from lean_prover.app.rl_cli import add_rl_parsers, register, trainer_progress
from lean_prover.lean_env.library_index import project_roots
from lean_prover.lean_env.limits import TRAINING_TIME_LIMIT_S
from lean_prover.prover.model_config import ModelConfig
from lean_prover.prover.model_errors import ModelConfigError
from lean_prover.prover.models import as_config
from lean_prover.prover.suite import SuiteError
from lean_prover.search.config import Algorithm, SearchConfig
from lean_prover.search.runs import RunStateError
from lean_prover.search.types import Budget
from lean_prover.training.expert_iteration import EvalKnowledge, PoolLemmas
from lean_prover.training.step_formats import StepFormat


class ExpertIterationDisplay:
    """Shows the events of an expert-iteration run: a bar per search or evaluation phase
    (problems done, solved, Lean calls), a line for each filter, fine-tuning and round."""

    def __init__(self, shown: RunProgress):
        self.shown = shown

    def __call__(self, event: str, info: dict) -> None:
        """One event of :class:`training.expert_iteration.ExpertIteration`."""
        if event in ("search", "eval"):
            who = f"round {info['round']} search" if event == "search" else f"eval {info['policy']}"
            if info["position"] == 1:
                self.shown.phase(who, total=info["total"])
            self.shown.advance(f"{who} {info['name']}: {info['status']} ({info['time_s']:.0f} s)",
                               solved=int(info["status"] == "proved"),
                               lean_calls=info.get("lean_calls", 0))
        elif event == "filter":
            self.shown.note(f"{info['round']}: kept {info['kept']} steps; " +
                            ", ".join(f"{f['name']} -{f['dropped']}" for f in info["filters"]))
        elif event == "pool":
            sources = ", ".join(f"{source} {count}" for source, count in info["candidates"].items())
            self.shown.note(f"round {info['round']} pool: {info['written']} new statements ({sources} candidates) "
                            f"→ {info['path']}")
        elif event == "sft":
            self.shown.note(f"fine-tuned {info['examples']} examples, {info['steps']} steps, loss "
                            f"{info['first_loss']} → {info['last_loss']} ({info['time_s']:.0f} s) → {info['path']}")
        elif event == "round":
            e = info["eval"]
            self.shown.note(f"round {info['round']} done: train solved {info['solved_train_total']}/"
                            f"{info['train_problems']}, held-out incumbent {e.get('incumbent')} vs candidate "
                            f"{e.get('candidate')}, {'accepted' if info['accepted'] else 'kept ' + info['incumbent']} "
                            f"({info['time_s']:.0f} s)")


def print_event(event: str, info: dict) -> None:
    """Progress lines (no bar) for the events of an expert-iteration run."""
    ExpertIterationDisplay(RunProgress(bar=False, tag="train"))(event, info)


@dataclasses.dataclass(frozen=True, kw_only=True)
class ExpertIterationOptions(LeanKnowledgeOptions, OutputOptions, LeanOptions):
    """`prover train expert-iteration` (the first pass, Lean's suggestions and premises are off
    unless asked for)."""

    rounds: int = option(1, metavar="R", help="expert-iteration rounds (a resumed run may ask for more)")
    suite: str = option("core", help="`core` or a suite .jsonl")
    split: str = option("dev", help="training split")
    eval_split: str = option("test", help="held-out split; `none`: accept every round")
    limit: int | None = option(None, metavar="K", help="K training problems (topics round-robin)")
    eval_limit: int | None = option(3, metavar="K", help="K held-out problems")
    out: str = option(metavar="DIR", required=True, help="run folder (resumed if present)")
    base_model: str | None = option(None, metavar="PATH", help="a save_pretrained causal LM (default: untrained "
                                    "tiny GPT-2)")
    policy_config: str | None = option(None, metavar="YAML", help="generation settings for the trained model "
                                       "(backend hf or vllm; its path is replaced by each checkpoint)")
    search: Algorithm = option("bfs", help="search algorithm")
    budget_expansions: int = option(16, metavar="N", help="expansions per theorem")
    max_lean_calls: int = option(3, metavar="N", help="Lean round trips per theorem")
    time_limit: float = option(TRAINING_TIME_LIMIT_S, metavar="S", help="seconds of search per theorem")
    width: int = option(8, metavar="K", help="tactics per state")
    nodes_per_call: int = option(4, metavar="N", help="states expanded per Lean round trip")
    collect_width: int | None = option(None, metavar="K", help="tactics per state in the training-split search "
                                       "(default: --width; evaluation always uses --width)")
    collect_nodes_per_call: int | None = option(None, metavar="N", help="states per Lean round trip in the "
                                                "training-split search (default: --nodes-per-call)")
    collect_max_lean_calls: int | None = option(None, metavar="N", help="Lean round trips per theorem in the "
                                                "training-split search (default: --max-lean-calls)")
    problems_per_round: int | None = option(None, metavar="N", help="search N new training problems each round "
                                            "(default: all of them in round 1)")
    pool_per_round: int = option(0, metavar="M", help="new statements a round besides the suite's: library lemmas "
                                 "from the premise index restated, and synthetic arithmetic and logic")
    pool_lemmas: PoolLemmas = option("related", help="which library lemmas the pool restates: those retrieval finds "
                                     "nearest the training statements (related) or a pseudo-random sample (sampled)")
    pool_references: bool = option(True, negatable=True, help="each restated lemma's Lean-checked proof "
                                   "(`exact @LEMMA args`) and each family instance's proof is also a training step "
                                   "of its round")
    pool_families: int = option(0, metavar="K", help="instances of synthetic families of the training split "
                                "(inductions and rewrites naming their lemmas) a round, other families each round")
    first_pass: bool = option(False, negatable=True, help="try Lean's one-shot automation on every problem before "
                              "its search, in one shared Lean run")
    suggest: str = option("none", metavar="TACTICS", help="Lean suggestion tactics whose concrete tactics become "
                          "candidates (e.g. exact?,rw?); `none` for none")
    premises: int = option(0, metavar="K", help="retrieved library premises per state turned into candidates")
    eval_lean: EvalKnowledge = option("same", help="Lean's knowledge at the held-out evaluation: `same` as the "
                                      "collection (--first-pass, --suggest, --premises), `first-pass` (one-shot "
                                      "automation only: measures the lemmas the policy names by itself) or `none`")
    tactic_memory: int = option(3, metavar="N", help="a trained round's policy adds up to N tactics per state from "
                                "the training steps of the most similar states, lemma names adapted (0: none)")
    concurrency: int = option(8, metavar="N", help="searches at once, sharing Lean runs (results do not depend on it)")
    lean_processes: int = option(2, metavar="N", help="Lean processes at once")
    model_weight: float = option(0.5, metavar="W", help="weight of the model in its mixture with the rule-based "
                                 "prior: p = W·p_model + (1 − W)·p_prior")
    retrain_every: int = option(2, metavar="N", help="restart fine-tuning from the base model every N rounds")
    confidence_threshold: float = option(0.5, metavar="P", help="drop steps the incumbent already ranks first "
                                         "with at least this probability")
    prune: bool = option(True, flags=("--no-prune",), help="skip the Lean-checked redundancy pruning")
    seed_references: bool = option(False, help="add the training split's reference first steps to the data")
    learning_rate: float | None = option(None, metavar="LR", help="fine-tuning learning rate (default: by "
                                         "model size, training.model_profile)")
    epochs: float | None = option(None, metavar="E", help="fine-tuning epochs over the round's data (default: by "
                                  "model size)")
    batch_size: int | None = option(None, metavar="N", help="fine-tuning batch per device (default: by model size)")
    gradient_accumulation_steps: int | None = option(None, metavar="N", help="fine-tuning gradient accumulation "
                                                     "(default: by model size)")
    gradient_checkpointing: bool = option(False, help="recompute activations in fine-tuning (less memory)")
    save_steps: int = option(200, metavar="N", help="a fine-tuning checkpoint every N steps; a killed round "
                             "resumes from it (0: none)")
    bf16: bool = option(False, help="load and train in bfloat16 (GPUs)")
    threads: int = option(0, metavar="N", help="torch CPU threads (0: torch's default)")
    accelerate_config: str | None = option(None, metavar="YAML", help="run each fine-tuning under "
                                           "`accelerate launch --config_file YAML` (several GPUs)")
    seed: int = option(0, metavar="N", help="random seed of the searches, the base model and fine-tuning")

    def __post_init__(self) -> None:
        super().__post_init__()
        at_least(self.pool_per_round, 0, "--pool-per-round")
        at_least(self.pool_families, 0, "--pool-families")
        at_least(self.tactic_memory, 0, "--tactic-memory")
        for flag, value in (("--rounds", self.rounds), ("--limit", self.limit), ("--eval-limit", self.eval_limit),
                            ("--concurrency", self.concurrency), ("--lean-processes", self.lean_processes),
                            ("--problems-per-round", self.problems_per_round), ("--collect-width", self.collect_width),
                            ("--collect-nodes-per-call", self.collect_nodes_per_call),
                            ("--collect-max-lean-calls", self.collect_max_lean_calls),
                            ("--batch-size", self.batch_size),
                            ("--gradient-accumulation-steps", self.gradient_accumulation_steps)):
            at_least(value, 1, flag)
        positive(self.learning_rate, "--learning-rate")
        positive(self.epochs, "--epochs")
        at_least(self.save_steps, 0, "--save-steps")
        if not 0.0 <= self.model_weight <= 1.0:
            raise ValueError(f"--model-weight must be in [0, 1] (got {self.model_weight})")
        model_folder(self.base_model, "--base-model")
        self.search_config()

    def search_config(self) -> SearchConfig:
        """The evaluation (and default collection) search settings."""
        return SearchConfig(algorithm=self.search, width=self.width, nodes_per_call=self.nodes_per_call,
                            seed=self.seed, budget=Budget(self.budget_expansions, self.max_lean_calls,
                                                          self.time_limit))

    def collect_config(self) -> SearchConfig | None:
        """The training-split search settings when they differ (--collect-width,
        --collect-nodes-per-call, --collect-max-lean-calls)."""
        if self.collect_width is None and self.collect_nodes_per_call is None and self.collect_max_lean_calls is None:
            return None
        search = self.search_config()
        budget = search.budget if self.collect_max_lean_calls is None else dataclasses.replace(
            search.budget, max_lean_calls=self.collect_max_lean_calls)
        return dataclasses.replace(
            search, width=search.width if self.collect_width is None else self.collect_width,
            nodes_per_call=search.nodes_per_call if self.collect_nodes_per_call is None else self.collect_nodes_per_call,
            budget=budget)

    def generation(self) -> ModelConfig:
        """How the trained checkpoints generate (`--policy-config`, default hf)."""
        config = as_config(self.policy_config, "policy") if self.policy_config else as_config({"backend": "hf"})
        if config.backend not in ("hf", "vllm"):
            raise CommandError(f"--policy-config: backend {config.backend!r} cannot load the trained checkpoints "
                               "(use hf or vllm)")
        return config


def cmd_expert_iteration(options: ExpertIterationOptions) -> int:
    """Run (or resume) expert iteration; prints the summary (JSON with --json)."""
    from lean_prover.training.expert_iteration import ExpertIteration, ExpertIterationConfig, eval_knowledge
    from lean_prover.training.sft import SFTSettings, TrainingError

    eval_first_pass, eval_candidates = eval_knowledge(options.eval_lean)
    config = ExpertIterationConfig(
        suite=options.suite, split=options.split,
        eval_split=None if options.eval_split == "none" else options.eval_split, limit=options.limit,
        eval_limit=options.eval_limit, rounds=options.rounds, search=options.search_config(),
        collect_search=options.collect_config(), problems_per_round=options.problems_per_round,
        pool_per_round=options.pool_per_round, pool_lemmas=options.pool_lemmas,
        pool_references=options.pool_references, pool_families=options.pool_families, first_pass=options.first_pass,
        candidates=options.candidate_settings(), eval_first_pass=eval_first_pass,
        eval_candidates=eval_candidates, premise_roots=project_roots(options.project),
        tactic_memory=options.tactic_memory, concurrency=options.concurrency,
        lean_processes=options.lean_processes,
        base_model=str(options.base_model or ""), generation=options.generation(), model_weight=options.model_weight,
        retrain_every=options.retrain_every, confidence_threshold=options.confidence_threshold, prune=options.prune,
        seed_references=options.seed_references,
        sft=SFTSettings(learning_rate=options.learning_rate, epochs=options.epochs, batch_size=options.batch_size,
                        gradient_accumulation_steps=options.gradient_accumulation_steps, bf16=options.bf16,
                        gradient_checkpointing=options.gradient_checkpointing, save_steps=options.save_steps,
                        seed=options.seed, threads=options.threads),
        accelerate_config=str(options.accelerate_config or ""))
    try:
        toolchain = options.toolchain("train")
        with options.progress("train") as shown:
            summary = ExpertIteration(config, Path(options.out), toolchain, ExpertIterationDisplay(shown)).run()
    except (SuiteError, RunStateError, TrainingError, ModelConfigError) as exc:
        raise CommandError(str(exc)) from None
    print(json.dumps(summary, indent=1) if options.json else summary_table(summary))
    return 0


def summary_table(summary: dict) -> str:
    """A plain-text table of the rounds of a run."""
    lines = [f"{'round':>5} {'train solved':>12} {'examples':>8} {'loss':>7} {'held-out: incumbent':>19} "
             f"{'candidate':>9} {'accepted':>8} {'time s':>7}"]
    for r in summary["per_round"]:
        loss = "-" if r["sft_loss"] is None else f"{r['sft_loss']:.3f}"
        lines.append(f"{r['round']:5d} {r['solved_train_total']:>6}/{r['train_problems']:<5} "
                     f"{r['train_examples']:8d} {loss:>7} {str(r['incumbent_eval']):>19} "
                     f"{str(r['candidate_eval']):>9} {str(r['accepted']):>8} {r['time_s']:7.0f}")
    lines.append(f"final policy: {summary['final_policy']}"
                 + (f" ({summary['final_checkpoint']})" if summary["final_checkpoint"] else "")
                 + f"; run folder {summary['out']}")
    return "\n".join(lines)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SFTOptions(OutputOptions):
    """`prover train sft`: settings left out come from the base model's size
    (:mod:`training.model_profile`), so a 7B model is not trained with the tiny model's settings."""

    data: str = option(metavar="FILE", required=True, help="step JSONL (ours) or LeanDojo Benchmark 4 traced "
                       "tactics (json or JSON lines)")
    format: StepFormat = option("auto", help="format of --data")
    base_model: str = option(metavar="PATH", required=True, help="a save_pretrained causal LM folder")
    out: str = option(metavar="DIR", required=True, help="where the trained model (or LoRA adapter) is saved")
    lora: bool = option(False, help="train LoRA adapters only (peft); the base weights stay frozen")
    lora_r: int = option(16, metavar="R", help="LoRA rank")
    lora_alpha: int = option(32, metavar="A", help="LoRA alpha")
    lora_dropout: float = option(0.05, metavar="P", help="LoRA dropout")
    lora_target: str = option("all-linear", metavar="NAMES", help="LoRA target modules, comma-separated")
    gradient_checkpointing: bool = option(False, help="recompute activations (less memory)")
    bf16: bool = option(False, help="load the weights in bfloat16 and train in bf16 (GPUs)")
    batch_size: int | None = option(None, metavar="N", help="batch per device (default: by model size)")
    gradient_accumulation_steps: int | None = option(None, metavar="N", help="(default: by model size)")
    learning_rate: float | None = option(None, metavar="LR", help="(default: by model size and --lora)")
    epochs: float | None = option(None, metavar="E", help="(default: by model size)")
    max_steps: int | None = option(None, metavar="N", help="cap on optimizer steps (default: by model size)")
    max_length: int | None = option(None, metavar="TOKENS", help="prompt + tactic tokens (default: by model size)")
    save_steps: int = option(500, metavar="N", help="a checkpoint every N optimizer steps (0: none)")
    resume: bool = option(False, help="continue a killed run from its last checkpoint")
    accelerate_config: str | None = option(None, metavar="YAML", help="run under `accelerate launch "
                                           "--config_file YAML` (several GPUs; FSDP / DeepSpeed ZeRO-3)")
    threads: int = option(0, metavar="N", help="torch CPU threads (0: torch's default)")
    seed: int = option(0, metavar="N", help="random seed of fine-tuning")

    def __post_init__(self) -> None:
        for flag, value in (("--batch-size", self.batch_size),
                            ("--gradient-accumulation-steps", self.gradient_accumulation_steps),
                            ("--max-steps", self.max_steps), ("--max-length", self.max_length),
                            ("--lora-r", self.lora_r)):
            at_least(value, 1, flag)
        positive(self.learning_rate, "--learning-rate")
        positive(self.epochs, "--epochs")
        at_least(self.save_steps, 0, "--save-steps")
        at_least(self.threads, 0, "--threads")
        if not 0.0 <= self.lora_dropout < 1.0:
            raise ValueError(f"--lora-dropout must be in [0, 1) (got {self.lora_dropout})")
        model_folder(self.base_model, "--base-model")

    def settings(self):
        """The :class:`training.sft.SFTSettings` of these options (unset ones: the profile's)."""
        from lean_prover.training.sft import SFTSettings

        return SFTSettings(
            learning_rate=self.learning_rate, epochs=self.epochs, batch_size=self.batch_size,
            gradient_accumulation_steps=self.gradient_accumulation_steps, max_steps=self.max_steps,
            min_steps=1 if self.max_steps is not None or self.epochs is not None else None,
            max_length=self.max_length, seed=self.seed, bf16=self.bf16,
            gradient_checkpointing=self.gradient_checkpointing, lora=self.lora, lora_r=self.lora_r,
            lora_alpha=self.lora_alpha, lora_dropout=self.lora_dropout, lora_target=self.lora_target,
            save_steps=self.save_steps, resume=self.resume, threads=self.threads)


def cmd_sft(options: SFTOptions) -> int:
    """Fine-tune `--base-model` on `--data`; prints the run's record (JSON with --json)."""
    from lean_prover.training.data import DataError
    from lean_prover.training.sft import TrainingError, train_sft, train_sft_launched
    from lean_prover.training.step_formats import load_step_file

    base, out = Path(options.base_model), Path(options.out)
    try:
        steps = load_step_file(Path(options.data), options.format)
        with options.progress("train") as shown:
            shown.note(f"{len(steps)} steps from {options.data}; fine-tuning {options.base_model}"
                       + (" (LoRA)" if options.lora else ""))
            if options.accelerate_config:
                result = train_sft_launched(base, steps, out, options.settings(), options.accelerate_config)
            else:
                result = train_sft(base, steps, out, options.settings(), callbacks=[trainer_progress(shown, "SFT")])
    except (DataError, TrainingError) as exc:
        raise CommandError(str(exc)) from None
    data = result.to_dict()
    options.emit(data, f"SFT ({data['profile']} profile{', LoRA' if data['lora'] else ''}): {data['examples']} "
                 f"examples, {data['steps']} steps, loss {data['first_loss']} → {data['last_loss']}, trainable "
                 f"parameters {data['trainable_parameters']:,} of {data['total_parameters']:,}"
                 + (f", resumed from {data['resumed_from']}" if data["resumed_from"] else "") + f" → {data['path']}")
    return 0


@dataclasses.dataclass(frozen=True, kw_only=True)
class DefaultModelsOptions(OutputOptions, LeanOptions):
    """`prover train default-models`."""

    out: str = option(metavar="DIR", required=True, help="where to save policy/, critic/ and models.yaml (the "
                      "shipped ones: prover/default_model)")
    work: str = option("runs/default-models", metavar="DIR", help="expert-iteration run folder")
    limit: int = option(12, metavar="K", help="core dev problems searched")
    rounds: int = option(1, metavar="R", help="expert-iteration rounds")
    from_run: str | None = option(None, metavar="DIR", help="reuse the found proofs of an expert-iteration run "
                                  "folder instead of searching (no Lean needed)")

    def __post_init__(self) -> None:
        at_least(self.limit, 1, "--limit")
        at_least(self.rounds, 1, "--rounds")


def cmd_default_models(options: DefaultModelsOptions) -> int:
    """Regenerate the shipped default policy and critic (see `training.default_models`)."""
    from lean_prover.training.default_models import build_default_models
    from lean_prover.training.sft import TrainingError

    try:
        toolchain = None if options.from_run else options.toolchain("train")
        with options.progress("train") as shown:
            result = build_default_models(Path(options.out), Path(options.work), toolchain, limit=options.limit,
                                          rounds=options.rounds,
                                          from_run=Path(options.from_run) if options.from_run else None,
                                          on_event=ExpertIterationDisplay(shown))
    except (SuiteError, RunStateError, TrainingError, ModelConfigError, FileNotFoundError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    print(json.dumps(result, indent=1))
    return 0


def add_train_parser(subparsers) -> argparse._SubParsersAction:
    """Register `train sft`, `train expert-iteration`, `train default-models` and the RL commands of
    :mod:`app.rl_cli` under `subparsers`; returns the `train` sub-subparsers object."""
    train = subparsers.add_parser("train", help="train the step policy and critic (SFT, expert iteration, GRPO, "
                                  "critic, theorem pool, default models)")
    commands = train.add_subparsers(dest="train_command", required=True, parser_class=type(train))
    register(commands, "sft", SFTOptions, cmd_sft,
             "fine-tune a causal LM on proof steps (our step JSONL or LeanDojo Benchmark 4; --lora, checkpoints)")
    register(commands, "expert-iteration", ExpertIterationOptions, cmd_expert_iteration,
             "search → collect → filter → SFT → evaluate → keep if better, R rounds")
    register(commands, "default-models", DefaultModelsOptions, cmd_default_models,
             "regenerate the shipped tiny default policy and critic through this pipeline")
    add_rl_parsers(commands)
    return commands
