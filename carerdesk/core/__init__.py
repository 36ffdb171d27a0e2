"""The rules of the register: pure functions and dataclasses, no database and no screens."""
