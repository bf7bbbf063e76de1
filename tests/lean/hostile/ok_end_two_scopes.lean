-- expect: proved
namespace Outer
namespace Inner
theorem deep_one : True := trivial
end Outer.Inner
theorem top_again : True := trivial
