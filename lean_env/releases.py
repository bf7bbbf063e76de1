"""Which Lean release has which feature: every version gate of the project, in one place.

Options that older toolchains reject must not reach them: an unknown `-D` option makes `lean`
refuse to elaborate anything. `lean --version` is read once per toolchain
(:meth:`Toolchain.release`), and these gates decide what each process is given.
"""

from __future__ import annotations

from lean_prover.lean_env.toolchain import LeanRelease, Toolchain

# First releases, from the release notes (leanprover/reference-manual, Manual/Releases/v4_*.lean).
MAX_ERRORS_OPTION = LeanRelease(4, 24)   # #10262: `maxErrors`, the frontend stops after N errors (default 100)
KERNEL_ENVIRONMENT = LeanRelease(4, 17)  # #5145: `Lean.Kernel.Environment(.addDecl)`, `Environment.toKernelEnv`
MODULE_SYSTEM = LeanRelease(4, 20)       # #8021/#8159: `module` files and `import all` …
MODULE_SYSTEM_DEFAULT = LeanRelease(4, 27)  # … behind `experimental.module` until #11637 made it a no-op
ELAB_ASYNC_OPTION = LeanRelease(4, 18)   # `Elab.async` (asynchronous proofs; not pinned to a release note)


def lean_options(release: LeanRelease) -> tuple[str, ...]:
    """Command-line options every `lean` run of this project gets on this release."""
    return ("-DmaxErrors=1000000",) if release >= MAX_ERRORS_OPTION else ()


def serial_elaboration_options(release: LeanRelease) -> tuple[str, ...]:
    """Options that elaborate each proof on the main thread, before the next command (no
    asynchronous elaboration tasks: on the embedded Lean each one starts a WebAssembly worker)."""
    return ("-DElab.async=false",) if release >= ELAB_ASYNC_OPTION else ()


def worker_options(release: LeanRelease) -> tuple[str, ...]:
    """Options of a persistent `lean --worker` session on this release."""
    return serial_elaboration_options(release) + lean_options(release)


def module_options(release: LeanRelease) -> tuple[str, ...]:
    """Options a process needs to read `module` files on this release."""
    return ("-Dexperimental.module=true",) if MODULE_SYSTEM <= release < MODULE_SYSTEM_DEFAULT else ()


def has_kernel_environment(release: LeanRelease) -> bool:
    """Can the evidence program re-check declarations through the kernel on this release?"""
    return release >= KERNEL_ENVIRONMENT


def is_module_file(toolchain: Toolchain, starts_with_module: bool) -> bool:
    """Does Lean treat a file as a `module` (private by default; `import all` to see inside)?
    The embedded Lean treats every file as one; a native Lean only files that say `module`."""
    return toolchain.is_embedded or (starts_with_module and toolchain.release() >= MODULE_SYSTEM)
