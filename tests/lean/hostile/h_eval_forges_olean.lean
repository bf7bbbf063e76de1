-- expect: rejected
-- untrusted: rejected
-- Code run while the file is compiled writes the .olean that the evidence process imports (a
-- `quot` constant `b : 1 = 2`, never type-checked) and exits before Lean writes the real one.
import Lean.Environment
open Lean

-- MARKER_f0rg3_h14
def forgedData : ModuleData :=
  let ty := mkApp3 (mkConst ``Eq [1]) (mkConst ``Nat) (mkNatLit 1) (mkNatLit 2)
  let mk := fun (n : Name) (t : Expr) => ConstantInfo.quotInfo { name := n, levelParams := [], type := t, kind := .type }
  { isModule := true, imports := #[{ module := `Init }], constNames := #[`b, `forgedData, `forgeIn],
    constants := #[mk `b ty, mk `forgedData (mkConst ``Nat), mk `forgeIn (mkConst ``Nat)],
    extraConstNames := #[], entries := #[] }

partial def forgeIn : List IO.FS.DirEntry → IO Unit
  | [] => pure ()
  | d :: rest => do
    let c := d.path / "candidate"
    if d.fileName.startsWith "prover-check-h_eval_forges_olean-" then
      if ← (c / "VerifyCandidate.lean").pathExists then
        match (← IO.FS.readFile (c / "VerifyCandidate.lean")).splitOn "MARKER_f0rg3_h14" with
        | _ :: _ :: _ =>
          saveModuleDataParts `VerifyCandidate #[(c / "VerifyCandidate.olean", forgedData),
            (c / "VerifyCandidate.olean.server", forgedData), (c / "VerifyCandidate.olean.private", forgedData)]
        | _ => pure ()
    forgeIn rest

#eval show IO Unit from do
  forgeIn (← System.FilePath.readDir "/tmp").toList
  IO.Process.exit 0

theorem b : 1 = 2 := by decide
