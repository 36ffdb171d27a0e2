"""Files the register writes: register files now; the weekly return, cards and forms later."""
