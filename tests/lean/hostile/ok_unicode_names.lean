-- expect: proved
theorem fοo_greek : True := trivial
theorem α_β (α β : Nat) : α + β = β + α := Nat.add_comm α β
theorem x₁_sub (x₁ : Nat) : x₁ * 1 = x₁ := Nat.mul_one x₁
theorem primes (h' h'' : 1 = 1) : h' = h'' := rfl
theorem ℕ_like : True := trivial
