-- expect: proved
structure Point where
  x : Nat
  y : Nat

instance : Inhabited Point := ⟨⟨0, 0⟩⟩
instance instAddPoint : Add Point := ⟨fun p q => ⟨p.x + q.x, p.y + q.y⟩⟩
instance (priority := low) : ToString Point := ⟨fun p => s!"({p.x}, {p.y})"⟩

class Size (α : Type) where
  size : α → Nat

instance : Size Point where
  size p := p.x + p.y

theorem default_x : (default : Point).x = 0 := rfl
theorem add_x (p q : Point) : (p + q).x = p.x + q.x := rfl
theorem size_default : Size.size (default : Point) = 0 := rfl
