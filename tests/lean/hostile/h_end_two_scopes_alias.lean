-- expect: rejected
-- `end Outer.Inner` closes two scopes; the scanner closes one and names the false theorem
-- `Outer.b`, which Lean's report has (the true one).
theorem Outer.b : True := trivial
namespace Outer
namespace Inner
end Outer.Inner
#guard_msgs (drop all) in
theorem b : 1 = 2 := by decide
