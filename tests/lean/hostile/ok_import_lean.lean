-- expect: proved
import Lean

theorem four : 2 + 2 = 4 := rfl
