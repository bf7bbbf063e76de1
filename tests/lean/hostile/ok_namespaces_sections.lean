-- expect: proved
namespace Geometry
section Points
variable (n : Nat)
theorem add_zero' : n + 0 = n := rfl
end Points
namespace Inner
theorem deep : True := trivial
protected theorem prot : 1 = 1 := rfl
end Inner
theorem _root_.top_level : 2 = 2 := rfl
private theorem hidden_helper : 3 = 3 := rfl
theorem uses_private : 3 = 3 := hidden_helper
end Geometry
namespace A.B
theorem ab : True := trivial
end A.B
section
theorem in_anonymous_section : True := trivial
end
theorem after : Geometry.Inner.deep = trivial := rfl
