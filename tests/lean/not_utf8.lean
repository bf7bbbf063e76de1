theorem latin1 : True := trivial -- café
