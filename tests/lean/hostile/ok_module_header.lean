-- expect: proved
module

public theorem pub_thm : 1 + 1 = 2 := rfl
theorem priv_thm : True := trivial
