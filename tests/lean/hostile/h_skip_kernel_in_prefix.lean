-- expect: rejected
-- cause: no_unsound_options
-- untrusted: rejected
theorem a : True := trivial set_option «debug».skipKernelTC true in
theorem b : True := trivial
