theorem fine : 1 + 1 = 2 := rfl
#eval IO.println "this runs at elaboration time"
