-- expect: proved
inductive Color where
  | red | green | blue
  deriving DecidableEq

def Color.next : Color → Color
  | .red => .green
  | .green => .blue
  | .blue => .red

theorem next_next_next (c : Color) : c.next.next.next = c := by cases c <;> rfl

structure Pair (α : Type) where
  fst : α
  snd : α

def Pair.swap {α : Type} (p : Pair α) : Pair α := ⟨p.snd, p.fst⟩

theorem swap_swap {α : Type} (p : Pair α) : p.swap.swap = p := rfl
