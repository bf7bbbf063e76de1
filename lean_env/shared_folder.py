"""Cache folders that several processes may build at the same moment (workers of one run, Ray
actors on one machine): each writer fills a private scratch folder beside the target and renames
it into place, so no reader ever sees a half-written folder and no writer deletes another's work.

    publish_folder(cache / "index-v3", lambda scratch: write_index(scratch))
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Callable


def publish_folder(folder: Path, write: Callable[[Path], None]) -> None:
    """Fill a fresh scratch folder with `write`, then rename it to `folder`. When another writer
    published `folder` first, its copy is kept (writers of one cache build the same content, and
    a reader may be reading it) and ours is removed."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix=f"{folder.name}.partial-", dir=folder.parent))
    try:
        write(scratch)
        try:
            scratch.rename(folder)
        except OSError:  # another writer's rename came first (ENOTEMPTY / EEXIST)
            if not folder.is_dir():
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
