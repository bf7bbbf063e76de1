"""The application floor: the `prover` command line, file-level proving, the benchmark runner
and `build_prover`, which wires models, search, engine and cache from the command's options."""
