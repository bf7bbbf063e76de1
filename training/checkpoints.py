"""Checkpoints, resume and the final save of every trainer (SFT, GRPO, critic, expert iteration).

A run that trains into OUT works in the scratch folder `OUT.partial`: the trainer writes its
checkpoints to `OUT.partial/trainer/checkpoint-N` every `save_steps` optimizer steps (model,
optimizer, scheduler, RNG states and data position: Hugging Face `Trainer` checkpoints), and at
the end :func:`publish_trained` saves the model there and renames the folder to OUT, so OUT only
ever appears complete.

- :func:`prepare_run_folder` decides where a run starts: with `resume`, from the last checkpoint
  of an unfinished run (the trainer restores everything, so the run ends where an uninterrupted
  run ends); without it, a folder holding checkpoints is refused (one line naming `--resume`)
  rather than silently thrown away, and a folder without checkpoints is cleared.
- :func:`publish_trained` is called by EVERY process of a distributed run: under FSDP and
  DeepSpeed ZeRO-3 the weights are sharded across ranks, and `Trainer.save_model` gathers them
  only when all ranks take part (a rank that returned early would hang the others or leave a
  partial model). Only the main process then writes the tokenizer and the record and renames.
  For FSDP set `fsdp_state_dict_type: FULL_STATE_DICT` and for ZeRO-3
  `zero3_save_16bit_model: true` in the accelerate config, so the saved folder is a plain
  `save_pretrained` model.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

CHECKPOINTS = "trainer"  # the trainer's output_dir inside OUT.partial


class ResumeError(RuntimeError):
    """A run folder that cannot be started as asked (checkpoints without --resume); one line."""


def partial_folder(out: Path) -> Path:
    """The scratch folder a run trains into before it is published as `out`."""
    return out.with_name(out.name + ".partial")


def last_checkpoint(out: Path) -> str | None:
    """The newest complete checkpoint of the unfinished run for `out`, or None."""
    from transformers.trainer_utils import get_last_checkpoint

    folder = partial_folder(out) / CHECKPOINTS
    return get_last_checkpoint(str(folder)) if folder.is_dir() else None


def prepare_run_folder(out: Path, resume: bool) -> tuple[Path, str | None]:
    """(`OUT.partial`, the checkpoint to resume from or None), every process agreeing.

    Raises :class:`ResumeError` when checkpoints of an unfinished run are there but `resume`
    is off; clears the scratch folder when there is nothing to resume."""
    from accelerate import PartialState

    processes = PartialState()  # one process, or every process of `accelerate launch`
    partial = partial_folder(out)
    checkpoint = last_checkpoint(out)
    if checkpoint is not None and not resume:
        raise ResumeError(f"{partial} holds checkpoints of an unfinished run ({Path(checkpoint).name}): "
                          "pass --resume to continue it, or delete the folder to start over")
    if checkpoint is None and processes.is_main_process:
        shutil.rmtree(partial, ignore_errors=True)
    processes.wait_for_everyone()
    return partial, checkpoint


def checkpoint_arguments(save_steps: int, keep: int = 2) -> dict:
    """`TrainingArguments` fields for a checkpoint every `save_steps` optimizer steps (0: none),
    keeping the newest `keep`."""
    if save_steps <= 0:
        return {"save_strategy": "no"}
    return {"save_strategy": "steps", "save_steps": save_steps, "save_total_limit": keep}


def publish_trained(trainer, tokenizer, partial: Path, out: Path, record_name: str, record: dict) -> None:
    """Save the trained model (every process takes part, see the module doc) and its tokenizer
    into `partial`, drop the checkpoints, write `record` there as `record_name`, then rename
    `partial` to `out` (replacing it), so that `out` only ever appears complete."""
    trainer.save_model(str(partial))  # all ranks: gathers FSDP / ZeRO-3 shards
    trainer.accelerator.wait_for_everyone()
    if trainer.is_world_process_zero():
        tokenizer.save_pretrained(str(partial))
        shutil.rmtree(partial / CHECKPOINTS, ignore_errors=True)
        (partial / record_name).write_text(json.dumps(record, indent=1), encoding="utf-8")
        shutil.rmtree(out, ignore_errors=True)
        partial.replace(out)
    trainer.accelerator.wait_for_everyone()
