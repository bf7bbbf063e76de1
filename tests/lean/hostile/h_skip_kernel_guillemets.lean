-- expect: rejected
-- cause: no_unsound_options
-- untrusted: rejected
set_option «debug».«skipKernelTC» true
theorem b : True := trivial
