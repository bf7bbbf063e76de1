"""Exceptions of the Lean layer; each carries a message fit for one line of user output."""


class LeanEnvError(RuntimeError):
    """Base class: a problem with Lean, its toolchain or its input."""


class ToolchainError(LeanEnvError):
    """No usable Lean toolchain (missing, failed to install, or broken)."""


class InputError(LeanEnvError):
    """A user-supplied file or option cannot be used."""
